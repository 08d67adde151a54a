#ifndef PALETTELAB_CBLAS_SHIM_H
#define PALETTELAB_CBLAS_SHIM_H
// OpenBLAS's CBLAS entry points (Debian's libopenblas-dev, pkg-config `openblas`), as function
// pointer types.
//
// This module deliberately links no BLAS: `Encoder` opens libopenblas.so.0 at run time with
// dlopen(RTLD_LOCAL) and resolves each function below with dlsym on that handle. libgsl.so
// carries DT_NEEDED libgslcblas.so.0, which also exports cblas_sgemm (a reference loop, ~50x
// slower); with link-time binding whichever library the dynamic linker searched first would
// win. Resolving through the OpenBLAS handle makes the choice explicit, independent of link
// order, LD_PRELOAD and of what else the process loads, and leaves GSL's own CBLAS untouched.
//
// <cblas.h> itself is not included: GSL's gsl_cblas.h defines the same enums differently and
// both reach the Encoder module. The enum arguments are C ints with CBLAS's standard values.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // dladdr and Dl_info
#endif
#include <dlfcn.h>
#include <openblas_config.h>  // blasint: 32-bit in Debian's (LP64) build

enum {
  PALETTELAB_CBLAS_ROW_MAJOR = 101,
  PALETTELAB_CBLAS_NO_TRANS = 111,
  PALETTELAB_CBLAS_TRANS = 112,
  PALETTELAB_CBLAS_UPPER = 121,
};

typedef void (*palettelab_sgemm_fn)(int order, int transA, int transB, blasint m, blasint n,
                                    blasint k, float alpha, const float *a, blasint lda,
                                    const float *b, blasint ldb, float beta, float *c,
                                    blasint ldc);
typedef void (*palettelab_dgemm_fn)(int order, int transA, int transB, blasint m, blasint n,
                                    blasint k, double alpha, const double *a, blasint lda,
                                    const double *b, blasint ldb, double beta, double *c,
                                    blasint ldc);
typedef void (*palettelab_dsyrk_fn)(int order, int uplo, int trans, blasint n, blasint k,
                                    double alpha, const double *a, blasint lda, double beta,
                                    double *c, blasint ldc);
typedef void (*palettelab_set_num_threads_fn)(int threads);
typedef int (*palettelab_get_num_threads_fn)(void);
typedef char *(*palettelab_get_string_fn)(void);

#endif

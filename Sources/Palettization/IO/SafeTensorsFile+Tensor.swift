extension SafeTensorsFile {
  /// Tensor `name` as an engine ``Tensor``: its shape, its values widened to `Float`, and its
  /// storage dtype (F32, F16, BF16 exactly; F64 rounded to nearest `Float`, ties to even).
  ///
  /// - Throws: ``SafeTensorsError/Fault/tensorNotFound(name:)``, or
  ///   ``SafeTensorsError/Fault/notAFloatTensor(tensor:dtype:)`` for integer, boolean and fp8
  ///   dtypes (read those with ``withUnsafeBytes(of:_:)`` or ``bytes(of:)``).
  /// - Complexity: O(n) for n elements; allocates one `[Float]` of n values.
  public func tensor(named name: String) throws(SafeTensorsError) -> Tensor {
    let info = try info(name)
    guard let dtype = info.dtype.weightDType else {
      throw SafeTensorsError(path: url.path, fault: .notAFloatTensor(tensor: name, dtype: info.dtype))
    }
    // elementCount × width == byteCount was checked at open, so the allocation is bounded by
    // the file size.
    let values = [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
      withUnsafeBytes(of: info) { FloatConversion.decode($0, from: dtype, into: buffer) }
      initialized = buffer.count
    }
    return Tensor(shape: info.shape, values: values, dtype: dtype)
  }
}

extension SafeTensorsFile {
  /// Drops the resident pages of tensor `info`'s bytes from this process; see
  /// ``SafeTensorsCheckpoint/releasePages(of:)``. Reading the tensor again is still correct.
  ///
  /// - Precondition: `info` came from this file.
  public func releasePages(of info: TensorInfo) {
    mapping.releasePages(in: byteRange(of: info))
  }
}

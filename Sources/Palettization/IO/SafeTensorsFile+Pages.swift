extension SafeTensorsFile {
  /// Drops the resident pages of tensor `info`'s bytes from this process; see
  /// ``SafeTensorsCheckpoint/releasePages(of:)``. Reading the tensor again is still correct.
  ///
  /// - Precondition: `info` came from this file.
  public func releasePages(of info: TensorInfo) {
    precondition(indexByName[info.name].map { tensorInfos[$0] == info } ?? false,
                 "tensor info for '\(info.name)' does not come from \(url.path)")
    mapping.releasePages(in: (dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound))
  }
}

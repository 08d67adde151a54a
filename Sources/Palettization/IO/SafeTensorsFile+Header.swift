extension SafeTensorsFile {
  /// The validated content of a header.
  struct Header {
    var metadata: [String: String]
    /// In data-buffer order.
    var tensors: [TensorInfo]
    var dataStart: Int
  }

  /// Validates the framing and header of a whole file held in `file`.
  ///
  /// Checks run in the order of the reference implementation (huggingface/safetensors
  /// `SafeTensors::read_metadata` + `Metadata::validate`): file ≥ 8 bytes, header length ≤
  /// 100 MB and within the file, UTF-8, JSON, entries, offsets tiling the data buffer exactly.
  ///
  /// - Complexity: O(header bytes + t log t) for t tensors.
  static func parseFile(_ file: UnsafeRawBufferPointer, path: String) throws(SafeTensorsError) -> Header {
    func fault(_ f: SafeTensorsError.Fault) -> SafeTensorsError { SafeTensorsError(path: path, fault: f) }

    guard file.count >= 8 else { throw fault(.tooShortForHeaderLength(fileSize: file.count)) }
    let length = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
    guard length <= UInt64(maxHeaderLength) else {
      throw fault(.headerTooLarge(length: length, limit: maxHeaderLength))
    }
    let headerLength = Int(length)
    guard headerLength <= file.count - 8 else {
      throw fault(.headerPastEndOfFile(length: length, fileSize: file.count))
    }
    let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
    let dataStart = 8 + headerLength
    let dataSize = file.count - dataStart

    guard String(validating: headerBytes, as: UTF8.self) != nil else { throw fault(.headerNotUTF8) }
    let json: SafeTensorsJSON.Value
    do {
      json = try SafeTensorsJSON.parse(headerBytes)
    } catch {
      switch error {
      case .syntax(let offset, let reason): throw fault(.headerNotJSON(offset: offset, reason: reason))
      case .duplicateKey(let key, let object): throw fault(.duplicateKey(key: key, object: object))
      }
    }
    guard case .object(let members) = json else { throw fault(.headerNotObject(found: json.brief)) }

    var metadata: [String: String] = [:]
    var tensors: [TensorInfo] = []
    tensors.reserveCapacity(members.count)
    for member in members {
      let (key, value) = (member.key, member.value)
      if key == "__metadata__" {
        metadata = try parseMetadata(value, fault: fault)
      } else {
        tensors.append(try parseEntry(name: key, value, dataSize: dataSize, fault: fault))
      }
    }

    // The reference sorts by (begin, end) and requires each tensor to start where the previous
    // ended; name breaks ties between zero-byte tensors so the order is deterministic.
    tensors.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
    var expected = 0
    var previous: TensorInfo?
    for info in tensors {
      let r = info.dataOffsets
      if r.lowerBound < expected, let previous {
        throw fault(.dataOffsetsOverlap(tensor: info.name, begin: r.lowerBound, end: r.upperBound,
                                        other: previous.name, otherBegin: previous.dataOffsets.lowerBound,
                                        otherEnd: previous.dataOffsets.upperBound))
      }
      if r.lowerBound > expected {
        throw fault(.dataGap(tensor: info.name, begin: r.lowerBound, end: r.upperBound, gapStart: expected))
      }
      expected = r.upperBound
      previous = info
    }
    guard expected == dataSize else { throw fault(.trailingData(tensorsEnd: expected, dataSize: dataSize)) }
    return Header(metadata: metadata, tensors: tensors, dataStart: dataStart)
  }

  private static func parseMetadata(
    _ value: SafeTensorsJSON.Value, fault: (SafeTensorsError.Fault) -> SafeTensorsError
  ) throws(SafeTensorsError) -> [String: String] {
    guard case .object(let members) = value else { throw fault(.metadataNotObject(found: value.brief)) }
    var metadata: [String: String] = [:]
    for member in members {
      let (key, item) = (member.key, member.value)
      guard case .string(let text) = item else {
        throw fault(.metadataValueNotString(key: key, found: item.brief))
      }
      metadata[key] = text
    }
    return metadata
  }

  /// Checks one tensor entry on its own: fields, dtype, shape, offsets within the data buffer
  /// and byte count (the tiling across entries is checked by the caller).
  private static func parseEntry(
    name: String, _ value: SafeTensorsJSON.Value, dataSize: Int,
    fault: (SafeTensorsError.Fault) -> SafeTensorsError
  ) throws(SafeTensorsError) -> TensorInfo {
    guard case .object(let fields) = value else { throw fault(.entryNotObject(tensor: name, found: value.brief)) }
    func field(_ key: String) throws(SafeTensorsError) -> SafeTensorsJSON.Value {
      guard let found = fields.first(where: { $0.key == key }) else {
        throw fault(.missingField(tensor: name, field: key))
      }
      return found.value
    }
    // Unknown fields are ignored, as the reference's serde derive does.
    let dtypeValue = try field("dtype")
    let shapeValue = try field("shape")
    let offsetsValue = try field("data_offsets")

    guard case .string(let dtypeName) = dtypeValue else {
      throw fault(.dtypeNotString(tensor: name, found: dtypeValue.brief))
    }
    guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
      throw fault(.unknownDType(tensor: name, dtype: dtypeName))
    }

    guard case .array(let dims) = shapeValue else { throw fault(.invalidShape(tensor: name, found: shapeValue.brief)) }
    var shape: [Int] = []
    shape.reserveCapacity(dims.count)  // bounded by the header size
    for dim in dims {
      guard let n = dim.nonNegativeInt else { throw fault(.invalidShape(tensor: name, found: shapeValue.brief)) }
      shape.append(n)
    }
    guard let needed = dtype.byteCount(forShape: shape) else {
      throw fault(.shapeOverflow(tensor: name, shape: shape, dtype: dtype))
    }

    guard case .array(let offsets) = offsetsValue, offsets.count == 2,
          let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt
    else { throw fault(.invalidDataOffsets(tensor: name, found: offsetsValue.brief)) }
    guard begin <= end else { throw fault(.dataOffsetsReversed(tensor: name, begin: begin, end: end)) }
    guard end <= dataSize else {
      throw fault(.dataOffsetsPastEnd(tensor: name, begin: begin, end: end, dataSize: dataSize))
    }
    guard end - begin == needed else {
      throw fault(.sizeMismatch(tensor: name, begin: begin, end: end, shape: shape, dtype: dtype, needed: needed))
    }
    return TensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
  }
}

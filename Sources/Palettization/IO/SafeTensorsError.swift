import Foundation

/// A safetensors file that cannot be read or written: the file's path and what is wrong with it.
///
/// Every fault the reader detects in a hostile or broken file has its own case, so a test (or a
/// caller deciding what to do) can match on ``fault``; ``description`` renders one line such as
/// `model.safetensors: tensor 'a.weight': data_offsets [0, 100] hold 100 bytes but shape [5, 6]
/// of F32 needs 120`.
public struct SafeTensorsError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
  /// The file being read or written, as given by the caller (`URL.path`).
  public var path: String
  /// What is wrong.
  public var fault: Fault

  /// Creates an error for the file at `path`.
  public init(path: String, fault: Fault) {
    self.path = path
    self.fault = fault
  }

  /// The fault found in a file, or in a request made of it.
  public enum Fault: Equatable, Sendable {
    // MARK: File system

    /// `open`, `fstat`, `mmap`, `write`, `rename`… failed; `reason` is `strerror(errno)`.
    case io(operation: String, reason: String)
    /// The path names a directory, device or other non-regular file.
    case notARegularFile

    // MARK: Framing

    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case tooShortForHeaderLength(fileSize: Int)
    /// The header length exceeds ``SafeTensorsFile/maxHeaderLength`` (the reference's limit).
    case headerTooLarge(length: UInt64, limit: Int)
    /// The header length runs past the end of the file.
    case headerPastEndOfFile(length: UInt64, fileSize: Int)

    // MARK: Header JSON

    /// The header bytes are not valid UTF-8.
    case headerNotUTF8
    /// The header is not valid JSON; `offset` is the byte within the header.
    case headerNotJSON(offset: Int, reason: String)
    /// The header is valid JSON but not an object; `found` names what it is.
    case headerNotObject(found: String)
    /// A JSON object in the header repeats a key; `object` is the key holding that object
    /// (`nil` for the top level).
    case duplicateKey(key: String, object: String?)
    /// `__metadata__` is not an object of strings; `found` names what it is.
    case metadataNotObject(found: String)
    /// A `__metadata__` value is not a string.
    case metadataValueNotString(key: String, found: String)

    // MARK: Tensor entries

    /// A tensor's entry is not a JSON object.
    case entryNotObject(tensor: String, found: String)
    /// A tensor's entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(tensor: String, field: String)
    /// A tensor's `dtype` is not a string.
    case dtypeNotString(tensor: String, found: String)
    /// A tensor's `dtype` is not one of ``SafeTensorsDType``.
    case unknownDType(tensor: String, dtype: String)
    /// A tensor's `shape` is not an array of non-negative integers.
    case invalidShape(tensor: String, found: String)
    /// The byte count of a shape overflows `Int`.
    case shapeOverflow(tensor: String, shape: [Int], dtype: SafeTensorsDType)
    /// A tensor's `data_offsets` is not an array of two non-negative integers.
    case invalidDataOffsets(tensor: String, found: String)
    /// A tensor's `data_offsets` end before they begin.
    case dataOffsetsReversed(tensor: String, begin: Int, end: Int)
    /// A tensor's `data_offsets` end past the data buffer (the bytes after the header).
    case dataOffsetsPastEnd(tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range differs in length from its shape times its dtype's width.
    case sizeMismatch(tensor: String, begin: Int, end: Int, shape: [Int], dtype: SafeTensorsDType, needed: Int)
    /// Two tensors' byte ranges overlap.
    case dataOffsetsOverlap(tensor: String, begin: Int, end: Int, other: String, otherBegin: Int, otherEnd: Int)
    /// Bytes between two tensors (or before the first) belong to no tensor; like the reference
    /// implementation, the reader requires tensors to tile the data buffer.
    case dataGap(tensor: String, begin: Int, end: Int, gapStart: Int)
    /// Bytes after the last tensor belong to no tensor.
    case trailingData(tensorsEnd: Int, dataSize: Int)

    // MARK: Requests

    /// No tensor has this name.
    case tensorNotFound(name: String)
    /// Float values were asked of a tensor whose dtype is not F32, F16, BF16 or F64.
    case notAFloatTensor(tensor: String, dtype: SafeTensorsDType)

    // MARK: Writing

    /// An entry's byte count differs from its shape times its dtype's width (checked before
    /// anything is written).
    case entrySizeMismatch(tensor: String, byteCount: Int, shape: [Int], dtype: SafeTensorsDType, needed: Int)
    /// Two entries share a name.
    case duplicateTensorName(name: String)
    /// An entry is named `__metadata__`, which the format reserves.
    case reservedTensorName
  }

  /// `"<path>: <fault>"`, one line.
  public var description: String { "\(path): \(fault)" }
  /// Same as ``description``.
  public var errorDescription: String? { description }
}

extension SafeTensorsError.Fault: CustomStringConvertible {
  /// The fault as the part of a message after `"<path>: "`.
  public var description: String {
    switch self {
    case .io(let operation, let reason):
      return "\(operation) failed: \(reason)"
    case .notARegularFile:
      return "not a regular file"
    case .tooShortForHeaderLength(let fileSize):
      return "file is \(fileSize) bytes, too short for the 8-byte header length"
    case .headerTooLarge(let length, let limit):
      return "header length \(length) exceeds the \(limit)-byte limit"
    case .headerPastEndOfFile(let length, let fileSize):
      return "header length \(length) runs past the end of the \(fileSize)-byte file"
    case .headerNotUTF8:
      return "header is not valid UTF-8"
    case .headerNotJSON(let offset, let reason):
      return "header is not valid JSON at byte \(offset): \(reason)"
    case .headerNotObject(let found):
      return "header is \(found), not a JSON object"
    case .duplicateKey(let key, let object):
      if let object { return "header repeats key '\(key)' in '\(object)'" }
      return "header repeats key '\(key)'"
    case .metadataNotObject(let found):
      return "__metadata__ is \(found), not an object of strings"
    case .metadataValueNotString(let key, let found):
      return "__metadata__ value for '\(key)' is \(found), not a string"
    case .entryNotObject(let tensor, let found):
      return "tensor '\(tensor)': entry is \(found), not an object"
    case .missingField(let tensor, let field):
      return "tensor '\(tensor)': missing field '\(field)'"
    case .dtypeNotString(let tensor, let found):
      return "tensor '\(tensor)': dtype is \(found), not a string"
    case .unknownDType(let tensor, let dtype):
      return "tensor '\(tensor)': unknown dtype '\(dtype)' (known: \(SafeTensorsDType.allSpellings))"
    case .invalidShape(let tensor, let found):
      return "tensor '\(tensor)': shape \(found) is not an array of non-negative integers"
    case .shapeOverflow(let tensor, let shape, let dtype):
      return "tensor '\(tensor)': shape \(shape) of \(dtype.rawValue) overflows the byte count"
    case .invalidDataOffsets(let tensor, let found):
      return "tensor '\(tensor)': data_offsets \(found) is not two non-negative integers"
    case .dataOffsetsReversed(let tensor, let begin, let end):
      return "tensor '\(tensor)': data_offsets [\(begin), \(end)] end before they begin"
    case .dataOffsetsPastEnd(let tensor, let begin, let end, let dataSize):
      return "tensor '\(tensor)': data_offsets [\(begin), \(end)] run past the \(dataSize)-byte data buffer"
    case .sizeMismatch(let tensor, let begin, let end, let shape, let dtype, let needed):
      return "tensor '\(tensor)': data_offsets [\(begin), \(end)] hold \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(needed)"
    case .dataOffsetsOverlap(let tensor, let begin, let end, let other, let otherBegin, let otherEnd):
      return "tensor '\(tensor)': data_offsets [\(begin), \(end)] overlap tensor '\(other)' at [\(otherBegin), \(otherEnd)]"
    case .dataGap(let tensor, let begin, let end, let gapStart):
      return "tensor '\(tensor)': data_offsets [\(begin), \(end)] leave bytes \(gapStart)..<\(begin) of the data buffer unused"
    case .trailingData(let tensorsEnd, let dataSize):
      return "tensors end at byte \(tensorsEnd) of the \(dataSize)-byte data buffer; the rest is unused"
    case .tensorNotFound(let name):
      return "no tensor named '\(name)'"
    case .notAFloatTensor(let tensor, let dtype):
      return "tensor '\(tensor)' has dtype \(dtype.rawValue), not a float dtype (F32, F16, BF16, F64)"
    case .entrySizeMismatch(let tensor, let byteCount, let shape, let dtype, let needed):
      return "tensor '\(tensor)': \(byteCount) bytes given but shape \(shape) of \(dtype.rawValue) needs \(needed)"
    case .duplicateTensorName(let name):
      return "two tensors are named '\(name)'"
    case .reservedTensorName:
      return "a tensor cannot be named '__metadata__'"
    }
  }
}

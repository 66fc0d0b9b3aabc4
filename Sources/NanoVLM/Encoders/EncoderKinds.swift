import Datasets

/// The image encoders a configuration can name (`model.image_encoder`). A new encoder is a
/// file with its `ImageEncoder` conformance plus a case here.
public enum ImageEncoderKind: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case cnn, vit

    var encoderType: any ImageEncoder.Type {
        switch self {
        case .cnn: return ConvolutionalImageEncoder.self
        case .vit: return VisionTransformerEncoder.self
        }
    }

    public var description: String { rawValue }
}

/// The text encoders a configuration can name (`model.text_encoder`).
public enum TextEncoderKind: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case mean, attention

    var encoderType: any TextEncoder.Type {
        switch self {
        case .mean: return MeanTextEncoder.self
        case .attention: return AttentionTextEncoder.self
        }
    }

    public var description: String { rawValue }
}

/// What the vision transformer's head reads (`model.vit.pool`).
public enum TokenPooling: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// The mean of every row, `[CLS]` included.
    case mean
    /// The `[CLS]` row alone.
    case cls

    public var description: String { rawValue }
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    /// `"cnn" or "vit"`, `"a", "b" or "c"`: the names for an error message.
    public static var quotedNames: String {
        let names = allCases.map { "\"\($0.rawValue)\"" }
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
    }

    /// The case named `text`, or a configuration error at `key` that names the known ones.
    static func named(_ text: String, key: String) throws -> Self {
        guard let value = allCases.first(where: { $0.rawValue == text }) else {
            throw ConfigurationError(key: key, message: "must be \(quotedNames) (got \"\(text)\")")
        }
        return value
    }
}

import Foundation

/// The one place `JSONEncoder` is configured, so every body, file and printout the
/// project writes with it agrees: keys sorted (stable bytes, readable diffs, cacheable
/// bodies) and slashes left unescaped (URLs read naturally), unless a caller asks otherwise.
public enum JSONCoding {
    /// - Parameters:
    ///   - prettyPrinted: indented output, for people at a terminal.
    ///   - sortedKeys: `false` keeps each type's own key order.
    ///   - escapingSlashes: writes `/` as `\/`, as `JSONEncoder` does by default.
    public static func encoder(
        prettyPrinted: Bool = false, sortedKeys: Bool = true, escapingSlashes: Bool = false
    ) -> JSONEncoder {
        var formatting: JSONEncoder.OutputFormatting = []
        if prettyPrinted { formatting.insert(.prettyPrinted) }
        if sortedKeys { formatting.insert(.sortedKeys) }
        if !escapingSlashes { formatting.insert(.withoutEscapingSlashes) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        return encoder
    }
}

import Foundation
import HTTPServer

/// The caption settings from a query string or form field.
enum CaptionInputs {
    static let maxBeam = 8

    /// nil when absent; else an integer in `range`, or a 400 naming the setting.
    static func integer(_ text: String?, name: String, range: ClosedRange<Int>, bound: String? = nil) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            let upper = bound ?? String(range.upperBound)
            throw APIError.badRequest(
                "invalid_parameter",
                "\(name) must be an integer from \(range.lowerBound) to \(upper) (got \"\(text.prefix(40))\").")
        }
        return value
    }
}

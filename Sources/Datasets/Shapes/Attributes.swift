/// The three attributes of a pair (docs/MODEL.md). The raw values are the documented orders; they are
/// part of the contract (pair ids and vocabulary indices are built from them).

/// Shape colours, in docs/MODEL.md order, with their CSS named-colour values.
public enum Colour: Int, CaseIterable, Sendable {
    case red, green, blue, yellow, pink, brown, orange, purple, gray

    /// The caption word, e.g. "red".
    public var name: String {
        switch self {
        case .red: return "red"
        case .green: return "green"
        case .blue: return "blue"
        case .yellow: return "yellow"
        case .pink: return "pink"
        case .brown: return "brown"
        case .orange: return "orange"
        case .purple: return "purple"
        case .gray: return "gray"
        }
    }

    /// The CSS named-colour value (8 bits per channel).
    public var rgb: (r: UInt8, g: UInt8, b: UInt8) {
        switch self {
        case .red: return (255, 0, 0)
        case .green: return (0, 128, 0)
        case .blue: return (0, 0, 255)
        case .yellow: return (255, 255, 0)
        case .pink: return (255, 192, 203)
        case .brown: return (165, 42, 42)
        case .orange: return (255, 165, 0)
        case .purple: return (128, 0, 128)
        case .gray: return (128, 128, 128)
        }
    }
}

/// Shapes, in docs/MODEL.md order.
public enum Shape: Int, CaseIterable, Sendable {
    case circle, square, triangle

    /// The caption word, e.g. "circle".
    public var name: String {
        switch self {
        case .circle: return "circle"
        case .square: return "square"
        case .triangle: return "triangle"
        }
    }
}

/// Cells of the 3×3 grid, row by row from the top left (docs/MODEL.md order).
public enum Position: Int, CaseIterable, Sendable {
    case topLeft, top, topRight, left, centre, right, bottomLeft, bottom, bottomRight

    /// The caption word, e.g. "top-left", "centre".
    public var name: String {
        switch self {
        case .topLeft: return "top-left"
        case .top: return "top"
        case .topRight: return "top-right"
        case .left: return "left"
        case .centre: return "centre"
        case .right: return "right"
        case .bottomLeft: return "bottom-left"
        case .bottom: return "bottom"
        case .bottomRight: return "bottom-right"
        }
    }

    /// Grid column, 0 (left) … 2 (right).
    public var column: Int { rawValue % 3 }

    /// Grid row, 0 (top) … 2 (bottom).
    public var row: Int { rawValue / 3 }

    /// Centre of grid cell `i` on either axis, in 32-px units: 2 + (i + 0.5)·28/3.
    public static func cellCentre(_ i: Int) -> Double {
        2 + (Double(i) + 0.5) * 28 / 3
    }
}

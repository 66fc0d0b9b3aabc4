import ImageIO

extension RGBImage {
    func value(_ x: Int, _ y: Int, _ channel: Int) -> Float {
        pixels[(y * width + x) * 3 + channel]
    }

    func isLit(_ x: Int, _ y: Int) -> Bool {
        value(x, y, 0) > 0 || value(x, y, 1) > 0 || value(x, y, 2) > 0
    }

    /// Coordinates of every pixel with any non-zero channel.
    var litPixels: [(x: Int, y: Int)] {
        var out: [(x: Int, y: Int)] = []
        for y in 0..<height {
            for x in 0..<width where isLit(x, y) { out.append((x, y)) }
        }
        return out
    }

    /// Intensity-weighted centroid in continuous coordinates (pixel centres at +0.5).
    var centroid: (x: Double, y: Double)? {
        var mass = 0.0
        var sx = 0.0
        var sy = 0.0
        for y in 0..<height {
            for x in 0..<width {
                let m = Double(value(x, y, 0) + value(x, y, 1) + value(x, y, 2))
                mass += m
                sx += m * (Double(x) + 0.5)
                sy += m * (Double(y) + 0.5)
            }
        }
        guard mass > 0 else { return nil }
        return (sx / mass, sy / mass)
    }
}

/// The expected left/top of the canonical 8-px box for grid index 0, 1, 2, worked out by
/// hand from x0 = round(2 + (i + 0.5)·28/3 − 4): 2.67 → 3, 12 → 12, 21.33 → 21.
let canonicalBoxStart = [3, 12, 21]

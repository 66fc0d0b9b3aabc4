import ImageIO
import NanoTensor

/// How a shape is drawn. Lengths are in 32-px units (the output image's pixels).
public struct RenderStyle: Sendable, Equatable {
    /// Side of the shape's bounding box (canonical 8).
    public var size: Double
    /// Shift of the bounding box (canonical 0); positive is right / down.
    public var offsetX: Double
    public var offsetY: Double
    /// 1: hard edges, each pixel sampled once at its centre (canonical).
    /// n > 1: n×n evenly spaced samples per pixel; the pixel takes the covered fraction.
    public var supersampling: Int
    /// Side of the canvas drawn on (canonical 32). Other sizes draw with all geometry scaled
    /// by canvas/32 and are then area-averaged down to 32×32.
    public var canvas: Int

    public init(
        size: Double = 8, offsetX: Double = 0, offsetY: Double = 0,
        supersampling: Int = 1, canvas: Int = 32
    ) {
        self.size = size
        self.offsetX = offsetX
        self.offsetY = offsetY
        self.supersampling = supersampling
        self.canvas = canvas
    }

    /// The gallery's style: 8-px box, no offset, hard edges, 32×32 canvas.
    public static let canonical = RenderStyle()

    /// True when the bounding box is the canonical one (size 8, no offset): it is then
    /// snapped to whole pixels as docs/MODEL.md prescribes, whatever the sampling and canvas.
    var hasCanonicalGeometry: Bool { size == 8 && offsetX == 0 && offsetY == 0 }
}

/// Draws pairs as images (docs/MODEL.md).
///
/// Geometry, in 32-px units where pixel (x, y) covers [x, x+1) × [y, y+1):
/// - cell centre c = 2 + (i + 0.5)·28/3 (column i for x, row i for y);
/// - bounding box left = round(cx − 4), top = round(cy − 4), side 8 for the canonical
///   geometry; otherwise left = cx − size/2 + offsetX, top = cy − size/2 + offsetY, side
///   `size`, unrounded;
/// - square: the box [left, left+s) × [top, top+s);
/// - circle: the closed disc centred in the box with radius s/2;
/// - triangle: apex (left + s/2, top), base from (left, top+s) to (left+s, top+s); a point
///   (x, y) with top ≤ y < top+s is inside when |x − (left + s/2)| ≤ (y − top)/2;
/// - a pixel's sample points are (x + (i+0.5)/n, y + (j+0.5)/n), i, j in 0..<n
///   (n = supersampling); value = colour/255 × (samples inside)/n²; background black.
/// For a canvas of N px everything is multiplied by N/32 and the N×N result is
/// area-averaged to 32×32.
public enum Renderer {
    public static let imageSide = 32

    public static func render(_ pair: Pair, style: RenderStyle = .canonical) -> RGBImage {
        let canvas = max(1, style.canvas)
        let n = max(1, style.supersampling)
        let scale = Double(canvas) / Double(imageSide)

        let cx = Position.cellCentre(pair.position.column)
        let cy = Position.cellCentre(pair.position.row)
        let side: Double
        let left: Double
        let top: Double
        if style.hasCanonicalGeometry {
            side = 8
            left = (cx - 4).rounded()
            top = (cy - 4).rounded()
        } else {
            side = max(0, style.size)
            left = cx - side / 2 + style.offsetX
            top = cy - side / 2 + style.offsetY
        }
        let geometry = ShapeGeometry(
            shape: pair.shape, left: left * scale, top: top * scale, side: side * scale)

        let colour = pair.colour.rgb
        let r = Float(colour.r) / 255
        let g = Float(colour.g) / 255
        let b = Float(colour.b) / 255

        var pixels = [Float](repeating: 0, count: canvas * canvas * 3)
        // Only pixels overlapping the box can be covered.
        let x0 = max(0, Int(geometry.left.rounded(.down)))
        let x1 = min(canvas - 1, Int((geometry.left + geometry.side).rounded(.up)))
        let y0 = max(0, Int(geometry.top.rounded(.down)))
        let y1 = min(canvas - 1, Int((geometry.top + geometry.side).rounded(.up)))
        if x0 <= x1 && y0 <= y1 {
            let step = 1 / Double(n)
            let samples = n * n
            for y in y0...y1 {
                for x in x0...x1 {
                    var inside = 0
                    for j in 0..<n {
                        let py = Double(y) + (Double(j) + 0.5) * step
                        for i in 0..<n {
                            let px = Double(x) + (Double(i) + 0.5) * step
                            if geometry.contains(px, py) { inside += 1 }
                        }
                    }
                    guard inside > 0 else { continue }
                    let coverage = inside == samples ? Float(1) : Float(inside) / Float(samples)
                    let p = (y * canvas + x) * 3
                    pixels[p] = r * coverage
                    pixels[p + 1] = g * coverage
                    pixels[p + 2] = b * coverage
                }
            }
        }
        let image = RGBImage(width: canvas, height: canvas, pixels: pixels)
        return canvas == imageSide ? image : areaResize(image, width: imageSide, height: imageSide)
    }

    /// All 243 canonical renders (the gallery), by id; computed once, on first use.
    public static let canonicalImages: [RGBImage] = Shapes.pairs.map { render($0) }

    /// The canonical render of the pair with this id (0..<243), from the cache.
    public static func canonical(_ id: Int) -> RGBImage {
        precondition((0..<Shapes.count).contains(id), "pair id \(id) is outside 0..<\(Shapes.count)")
        return canonicalImages[id]
    }
}

/// A shape placed in canvas pixel coordinates.
private struct ShapeGeometry {
    let shape: Shape
    let left: Double
    let top: Double
    let side: Double

    func contains(_ x: Double, _ y: Double) -> Bool {
        switch shape {
        case .square:
            return x >= left && x < left + side && y >= top && y < top + side
        case .circle:
            let radius = side / 2
            let dx = x - (left + radius)
            let dy = y - (top + radius)
            return dx * dx + dy * dy <= radius * radius
        case .triangle:
            guard y >= top && y < top + side else { return false }
            return abs(x - (left + side / 2)) <= (y - top) / 2
        }
    }
}

/// Random render styles for training.
public enum Augmentation {
    /// A random training render style: size uniform 6…10, offsets uniform ±1.5 on each axis,
    /// supersampling 1 or 4 (half each), canvas 32.
    ///
    /// Draws, in this order: size = uniform(6, 10), offsetX = uniform(−1.5, 1.5),
    /// offsetY = uniform(−1.5, 1.5), then supersampling = 1 if below(2) == 0 else 4.
    public static func randomStyle(using rng: inout SeededRandom) -> RenderStyle {
        let size = rng.uniform(6, 10)
        let offsetX = rng.uniform(-1.5, 1.5)
        let offsetY = rng.uniform(-1.5, 1.5)
        let supersampling = rng.below(2) == 0 ? 1 : 4
        return RenderStyle(
            size: size, offsetX: offsetX, offsetY: offsetY, supersampling: supersampling, canvas: 32)
    }
}

/// The robustness render sets of docs/MODEL.md.
public enum Perturbation: String, CaseIterable, Sendable {
    case size, offset, antialias, canvas64, canvas128
}

public enum Robustness {
    /// The seed of the `offset` perturbation's offsets.
    public static let offsetSeed: UInt64 = 4242
    /// The `size` perturbation's sizes; pair `id` gets `sizes[id % 4]`.
    public static let sizes: [Double] = [6, 7, 9, 10]

    /// Deterministic robustness renders (docs/MODEL.md) of all 243 pairs for one perturbation, by id:
    /// - size: size `sizes[id % 4]` (6, 7, 9, 10), no offset, hard edges;
    /// - offset: for id = 0, 1, …, 242 in turn, offsetX = uniform(−1.5, 1.5) then
    ///   offsetY = uniform(−1.5, 1.5) from one SeededRandom(seed: 4242); size 8, hard edges;
    /// - antialias: canonical geometry, 4×4 supersampling;
    /// - canvas64 / canvas128: canonical geometry drawn on that canvas, then scaled down by
    ///   area averaging.
    /// Each set is computed once, on first use.
    public static func renders(_ perturbation: Perturbation) -> [RGBImage] {
        switch perturbation {
        case .size: return sizeRenders
        case .offset: return offsetRenders
        case .antialias: return antialiasRenders
        case .canvas64: return canvas64Renders
        case .canvas128: return canvas128Renders
        }
    }

    /// The render style of pair `id` under a perturbation.
    public static func styles(_ perturbation: Perturbation) -> [RenderStyle] {
        switch perturbation {
        case .size:
            return (0..<Shapes.count).map { RenderStyle(size: sizes[$0 % sizes.count]) }
        case .offset:
            var rng = SeededRandom(seed: offsetSeed)
            return (0..<Shapes.count).map { _ in
                let dx = rng.uniform(-1.5, 1.5)
                let dy = rng.uniform(-1.5, 1.5)
                return RenderStyle(offsetX: dx, offsetY: dy)
            }
        case .antialias:
            return Array(repeating: RenderStyle(supersampling: 4), count: Shapes.count)
        case .canvas64:
            return Array(repeating: RenderStyle(canvas: 64), count: Shapes.count)
        case .canvas128:
            return Array(repeating: RenderStyle(canvas: 128), count: Shapes.count)
        }
    }

    private static func compute(_ perturbation: Perturbation) -> [RGBImage] {
        zip(Shapes.pairs, styles(perturbation)).map { Renderer.render($0, style: $1) }
    }

    private static let sizeRenders = compute(.size)
    private static let offsetRenders = compute(.offset)
    private static let antialiasRenders = compute(.antialias)
    private static let canvas64Renders = compute(.canvas64)
    private static let canvas128Renders = compute(.canvas128)
}

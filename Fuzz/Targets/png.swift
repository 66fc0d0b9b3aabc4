// libFuzzer target: the upload path's PNG decode + area-average to 32×32 (libpng through
// the setjmp-owning shim), and the full decode with a small dimension cap.
import ImageIO

func fuzzPNG(_ bytes: [UInt8]) {
    do {
        let image = try PNGCodec.decodeForModel(bytes)
        guard image.width == 32, image.height == 32, image.pixels.count == 32 * 32 * 3 else {
            fatalError("decodeForModel gave a \(image.width)×\(image.height) image with \(image.pixels.count) values")
        }
        for value in image.pixels where !(value >= -1e-5 && value <= 1 + 1e-5) {
            fatalError("pixel value \(value) outside [0, 1]")
        }
    } catch is ImageError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    do {
        let image = try PNGCodec.decode(bytes, maxDimension: 64)
        guard image.pixels.count == image.width * image.height * 3 else { fatalError("pixel count mismatch") }
    } catch is ImageError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
}

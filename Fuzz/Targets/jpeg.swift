// libFuzzer target: the one image entry point on JPEG bytes (and whatever else arrives):
// ImageDecoding.decodeForModel at the upload limit, cropped and squashed, and
// decodeForDisplay at the dataset limit, through TurboJPEG and the DCT-scale choice.
import ImageIO

func fuzzJPEG(_ bytes: [UInt8]) {
    for crop in ImageCrop.allCases {
        expectImage(side: 32) { try ImageDecoding.decodeForModel(bytes, side: 32, crop: crop, maxDimension: 4096) }
    }
    expectImage(side: nil) { try ImageDecoding.decodeForDisplay(bytes, maxSide: 48) }
}

/// Runs one decode: an ImageError is a fine answer; an image must have the promised size
/// (side×side, or at most 48 on its longest side) and every value in [0, 1].
private func expectImage(side: Int?, _ decode: () throws -> RGBImage) {
    do {
        let image = try decode()
        if let side {
            guard image.width == side, image.height == side else {
                fatalError("decodeForModel gave \(image.width)×\(image.height), not \(side)×\(side)")
            }
        } else if max(image.width, image.height) > 48 || min(image.width, image.height) < 1 {
            fatalError("decodeForDisplay gave \(image.width)×\(image.height) for a longest side of 48")
        }
        guard image.pixels.count == image.width * image.height * 3 else { fatalError("pixel count mismatch") }
        for value in image.pixels where !(value >= -1e-5 && value <= 1 + 1e-5) {
            fatalError("pixel value \(value) outside [0, 1]")
        }
    } catch is ImageError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
}

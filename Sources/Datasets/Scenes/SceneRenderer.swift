import ImageIO
import NanoTensor

/// Draws a scene: each object as the shapes set draws a pair in that cell, the two layers
/// combined by the larger value per channel (objects can only touch when augmented).
public enum SceneRenderer {
    public static func render(_ scene: Scene, styles: (RenderStyle, RenderStyle) = (.canonical, .canonical))
        -> RGBImage
    {
        let a = Renderer.render(pair(scene.objects[0]), style: styles.0)
        let b = Renderer.render(pair(scene.objects[1]), style: styles.1)
        var pixels = a.pixels
        for i in pixels.indices { pixels[i] = max(pixels[i], b.pixels[i]) }
        return RGBImage(width: a.width, height: a.height, pixels: pixels)
    }

    static func pair(_ object: SceneObject) -> Pair {
        Pair(colour: object.type.colour, shape: object.type.shape, position: object.cell)
    }

    /// A training render: each object canonical with probability `canonicalFraction`,
    /// otherwise in its own random style (`Augmentation.randomStyle`).
    public static func augmented(_ scene: Scene, canonicalFraction: Double, using rng: inout SeededRandom) -> RGBImage {
        func style() -> RenderStyle {
            rng.uniform() < canonicalFraction ? .canonical : Augmentation.randomStyle(using: &rng)
        }
        let first = style()
        return render(scene, styles: (first, style()))
    }
}

import Foundation
import NanoTensor
import NanoVLM
import ShapesData

BLASKernel.reexecuteIfGeneric()
var mc = ModelConfiguration()
var tc = TrainingConfiguration()
let args = CommandLine.arguments
if args.count > 1, let e = Int(args[1]) { tc.epochs = e }
if args.count > 2 { tc.schedule = args[2] }
if args.count > 3, let f = Double(args[3]) { tc.canonicalFraction = f }
if args.count > 4, let lr = Double(args[4]) { tc.learningRate = lr }
print("BLAS core \(BLAS.coreName)")
let trainer = Trainer(model: mc, training: tc)
trainer.evaluateEvery = 10
let (model, summary) = trainer.train { r in
    if r.valR1ImageToText != nil || r.epoch <= 3 {
        print(String(format: "epoch %3d loss %.4f i2t %.3f t2i %.3f lr %.2e %.2fs", r.epoch, r.loss, r.valR1ImageToText ?? -1, r.valR1TextToImage ?? -1, r.learningRate, r.elapsed))
    }
}
let report = Evaluator.evaluate(model, split: trainer.split)
let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
print(String(data: try enc.encode(report), encoding: .utf8)!)
print("seconds", summary.seconds)

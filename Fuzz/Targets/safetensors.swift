// libFuzzer target: the safetensors reader (header JSON, offsets, shapes) and the
// checkpoint validation on top of it (metadata, tensor names and shapes, finiteness).
import NanoVLM
import SafeTensors

func fuzzSafeTensors(_ bytes: [UInt8]) {
    do {
        let file = try SafeTensorsFile.decode(bytes)
        for (name, tensor) in file.tensors where tensor.values.count != tensor.shape.reduce(1, *) {
            fatalError("tensor \(name) has \(tensor.values.count) values for shape \(tensor.shape)")
        }
        // What was read writes back and reads again to the same tensors.
        let again = try SafeTensorsFile.decode(try SafeTensorsFile.encode(tensors: file.tensors, metadata: file.metadata))
        guard again.metadata == file.metadata, again.tensors.keys.sorted() == file.tensors.keys.sorted() else {
            fatalError("round trip changed the file")
        }
    } catch is SafeTensorsError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    do {
        _ = try Checkpoint.decode(bytes)
    } catch is CheckpointError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
}

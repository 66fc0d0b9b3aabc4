import XCTest

@testable import NanoTensor

final class FloatBufferTests: XCTestCase {
    func testANewBufferIsZeroed() {
        let buffer = FloatBuffer(count: 1000)
        XCTAssertEqual(buffer.count, 1000)
        XCTAssertEqual(buffer.array, [Float](repeating: 0, count: 1000))
    }

    func testValuesAreCopiedInAndOut() {
        var values: [Float] = [1, -2.5, 3, .infinity, -0.0]
        let buffer = FloatBuffer(values)
        values[0] = 99  // the buffer holds its own copy
        XCTAssertEqual(buffer.count, 5)
        XCTAssertEqual(buffer.array, [1, -2.5, 3, .infinity, -0.0])
        XCTAssertEqual(buffer[1], -2.5)
        buffer[1] = 7
        XCTAssertEqual(buffer[1], 7)
        XCTAssertEqual(buffer.pointer[1], 7, "subscript and pointer are the same storage")
        buffer.pointer[2] = 8
        XCTAssertEqual(buffer[2], 8)
    }

    func testSliceAndCopyAtAnOffset() {
        let buffer = FloatBuffer((0..<10).map(Float.init))
        XCTAssertEqual(buffer.slice(3, 4), [3, 4, 5, 6])
        XCTAssertEqual(buffer.slice(10, 0), [])
        buffer.copy(from: [-1, -2], at: 8)
        buffer.copy(from: [-3])
        XCTAssertEqual(buffer.array, [-3, 1, 2, 3, 4, 5, 6, 7, -1, -2])
        buffer.copy(from: [], at: 10)
        XCTAssertEqual(buffer.count, 10)
    }

    func testZeroClearsEverything() {
        let buffer = FloatBuffer([1, 2, 3])
        buffer.zero()
        XCTAssertEqual(buffer.array, [0, 0, 0])
    }

    func testEmptyBuffers() {
        XCTAssertEqual(FloatBuffer(count: 0).array, [])
        XCTAssertEqual(FloatBuffer([]).count, 0)
        FloatBuffer(count: 0).zero()
    }
}

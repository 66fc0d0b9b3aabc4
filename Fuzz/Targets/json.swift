// libFuzzer target: the JSON request bodies, through the real handlers (routing, strict
// body checks, query parsing, ranking, response encoding).
import HTTPServer

func fuzzJSON(_ bytes: [UInt8]) {
    for path in ["/v1/search/images", "/v1/embed/text"] {
        let request = HTTPRequest(
            method: "POST", target: path, headers: ["Content-Type": "application/json"], body: bytes)
        FuzzService.check(FuzzService.api.handle(request), for: "POST \(path)")
    }
}

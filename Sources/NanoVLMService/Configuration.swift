import Datasets
import Foundation
import JSON
import NanoVLM

/// HTTP settings (docs/API.md).
public struct ServerSettings: Codable, Equatable, Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    /// libmicrohttpd worker threads (a thread pool with one poll loop each).
    public var threads = 2
    public var maxBodyBytes = 4 << 20
    public var connectionTimeoutSeconds = 30
    public var connectionLimit = 1024
    public var perIPConnectionLimit = 256
    /// Bearer token for `/v1/admin/reload`; empty turns the endpoint off (404).
    public var adminToken = ""
    /// Finished text → image search bodies kept per model; 0 turns the cache off.
    public var searchCacheEntries = 512
    /// `/v1/images/{id}.png` scales a dataset's picture down to at most this many pixels a side.
    public var maxImageSide = 512

    public init() {}
    enum CodingKeys: String, CodingKey {
        case host, port, threads, maxBodyBytes = "max_body_bytes"
        case connectionTimeoutSeconds = "connection_timeout_seconds", connectionLimit = "connection_limit"
        case perIPConnectionLimit = "per_ip_connection_limit", adminToken = "admin_token"
        case searchCacheEntries = "search_cache_entries", maxImageSide = "max_image_side"
    }
}

/// Every setting of nanovlm. `config/nanovlm.json` holds each with its default;
/// `NANOVLM_*` environment variables override the file and command-line flags override both.
public struct AppConfiguration: Codable, Equatable, Sendable {
    public var weights = "artifacts/nanovlm.safetensors"
    public var logLevel = "info"
    /// Readiness needs the gallery's image→text R@1 at or above this.
    public var minGalleryR1 = 0.95
    public var server = ServerSettings()
    public var model = ModelConfiguration()
    public var training = TrainingConfiguration()
    public var data = DataConfiguration()

    public init() {}
    enum CodingKeys: String, CodingKey {
        case weights, logLevel = "log_level", minGalleryR1 = "min_gallery_r1", server, model, training, data
    }

    /// Short environment names for the settings people change most.
    public static let environmentAliases: [String: String] = [
        "NANOVLM_PORT": "server.port", "NANOVLM_HOST": "server.host", "NANOVLM_WEIGHTS": "weights",
        "NANOVLM_THREADS": "server.threads", "NANOVLM_ADMIN_TOKEN": "server.admin_token",
        "NANOVLM_LOG_LEVEL": "log_level", "NANOVLM_DATASET": "data.source",
    ]

    /// Reads `path` (nil: defaults only), then the environment, then `overrides`
    /// (setting path → text, e.g. "server.port" → "0"). Unknown keys, wrong types and values
    /// out of range are errors that name the key.
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:]
    ) throws -> AppConfiguration {
        var tree = try defaultTree()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(key: path, message: "the configuration file cannot be read (does it exist?)")
            }
            let file: JSONValue
            do {
                file = try JSONValue.parse([UInt8](data))
            } catch let error as JSONParseError {
                throw ConfigurationError(key: path, message: "malformed JSON: \(error)")
            }
            try merge(file, into: &tree, path: "")
        }
        // Long names: NANOVLM_SERVER_PORT, NANOVLM_TRAINING_EPOCHS, …; then the short aliases.
        var explicit = Set<String>()
        for leaf in leaves(of: tree, path: "") {
            let name = "NANOVLM_" + leaf.uppercased().replacingOccurrences(of: ".", with: "_")
            if let text = environment[name] {
                try set(leaf, text: text, in: &tree, source: "environment variable \(name)")
                explicit.insert(leaf)
            }
        }
        for (name, leaf) in environmentAliases.sorted(by: { $0.key < $1.key }) {
            if let text = environment[name] {
                try set(leaf, text: text, in: &tree, source: "environment variable \(name)")
                explicit.insert(leaf)
            }
        }
        for (leaf, text) in overrides.sorted(by: { $0.key < $1.key }) {
            try set(leaf, text: text, in: &tree, source: "command-line flag for \(leaf)")
            explicit.insert(leaf)
        }
        try applyDatasetDefaults(to: &tree, explicit: explicit)
        try checkSeeds(in: tree)
        let config = try JSONDecoder().decode(AppConfiguration.self, from: Data(tree.serialized))
        try config.validate()
        return config
    }

    public func validate() throws {
        func fail(_ key: String, _ why: String) -> ConfigurationError { ConfigurationError(key: key, message: why) }
        guard !weights.isEmpty else { throw fail("weights", "must be a file path") }
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw fail(
                "log_level", "must be one of trace, debug, info, notice, warning, error, critical (got \"\(logLevel)\")"
            )
        }
        guard (0...1).contains(minGalleryR1) else {
            throw fail("min_gallery_r1", "must be in [0, 1] (got \(minGalleryR1))")
        }
        guard !server.host.isEmpty else { throw fail("server.host", "must be an address such as 0.0.0.0 or 127.0.0.1") }
        guard (0...65535).contains(server.port) else {
            throw fail("server.port", "must be in 0…65535 (got \(server.port))")
        }
        guard (1...256).contains(server.threads) else {
            throw fail("server.threads", "must be in 1…256 (got \(server.threads))")
        }
        guard (1024...(1 << 30)).contains(server.maxBodyBytes) else {
            throw fail("server.max_body_bytes", "must be in 1024…1073741824 (got \(server.maxBodyBytes))")
        }
        guard (1...3600).contains(server.connectionTimeoutSeconds) else {
            throw fail(
                "server.connection_timeout_seconds", "must be in 1…3600 (got \(server.connectionTimeoutSeconds))")
        }
        guard (1...100_000).contains(server.connectionLimit) else {
            throw fail("server.connection_limit", "must be in 1…100000 (got \(server.connectionLimit))")
        }
        guard (1...100_000).contains(server.perIPConnectionLimit) else {
            throw fail("server.per_ip_connection_limit", "must be in 1…100000 (got \(server.perIPConnectionLimit))")
        }
        guard (0...65536).contains(server.searchCacheEntries) else {
            throw fail(
                "server.search_cache_entries",
                "must be in 0…65536, 0 turning the cache off (got \(server.searchCacheEntries))")
        }
        guard (8...8192).contains(server.maxImageSide) else {
            throw fail("server.max_image_side", "must be in 8…8192 (got \(server.maxImageSide))")
        }
        try model.validate()
        try training.validate()
        try data.validate()
    }

    // MARK: The settings tree

    /// A dataset's own defaults (`DatasetDefaults`) replace the general ones: a setting
    /// takes the dataset's value unless an environment variable or flag set it, or the file
    /// gave it a value other than the general default. Recipes apply in order, each when
    /// its conditions hold of the settings as they stand (the scenes recipe's text encoder
    /// first, then anything that depends on it).
    static func applyDatasetDefaults(to tree: inout JSONValue, explicit: Set<String>) throws {
        guard case .string(let source)? = value(at: "data.source", in: tree),
            let recipes = DatasetDefaults.recipes[source]
        else { return }
        let general = try defaultTree()
        for recipe in recipes {
            let holds = recipe.when.allSatisfy { leaf, text in
                guard case .string(let current)? = value(at: leaf, in: tree) else { return false }
                return current == text
            }
            guard holds else { continue }
            for (leaf, text) in recipe.settings.sorted(by: { $0.key < $1.key }) where !explicit.contains(leaf) {
                guard value(at: leaf, in: tree) == value(at: leaf, in: general) else { continue }
                try set(leaf, text: text, in: &tree, source: "the \(source) dataset's defaults")
            }
        }
    }

    /// Seeds are unsigned 64-bit: a negative one would only fail later, in the decoder, with
    /// a message that names no setting.
    static func checkSeeds(in tree: JSONValue) throws {
        for key in ["model.seed", "training.seed", "data.seed"] {
            guard case .number(let number)? = value(at: key, in: tree), number.text.hasPrefix("-") else { continue }
            throw ConfigurationError(
                key: key, message: "must be a whole number from 0 to 18446744073709551615 (got \(number.text))")
        }
    }

    static func value(at path: String, in tree: JSONValue) -> JSONValue? {
        path.split(separator: ".").reduce(Optional(tree)) { node, key in
            guard case .object(let o)? = node else { return nil }
            return o[String(key)]
        }
    }

    static func defaultTree() throws -> JSONValue {
        try JSONValue.parse([UInt8](try JSONCoding.encoder().encode(AppConfiguration())))
    }

    /// The settings that hold any number although their default is whole (`warmup_epochs`
    /// 0): each whole default is tried as 0.5 and kept if the configuration still decodes.
    static let realLeaves: Set<String> = {
        guard let tree = try? defaultTree(), let half = JSONValue.double(0.5) else { return [] }
        func isReal(_ leaf: String) -> Bool {
            guard case .number(let slot)? = value(at: leaf, in: tree), slot.wholeValue != nil else { return false }
            var probe = tree
            guard (try? set(leaf, value: half, in: &probe)) != nil else { return false }
            return (try? JSONDecoder().decode(AppConfiguration.self, from: Data(probe.serialized))) != nil
        }
        return Set(leaves(of: tree, path: "").filter(isReal))
    }()

    static func leaves(of value: JSONValue, path: String) -> [String] {
        guard case .object(let o) = value else { return [path] }
        return o.keys.sorted().flatMap { leaves(of: o[$0] ?? .null, path: path.isEmpty ? $0 : "\(path).\($0)") }
    }

    /// Overlays `file` onto `tree`, which holds the defaults and so knows every key and type.
    /// A key repeated in the file is read from its first occurrence.
    static func merge(_ file: JSONValue, into tree: inout JSONValue, path: String) throws {
        guard case .object(let fields) = file, case .object(var known) = tree else {
            throw ConfigurationError(
                key: path.isEmpty ? "(top level)" : path, message: "must be a JSON object, got \(file.typeName)")
        }
        for key in Set(fields.keys).sorted() {
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard let current = known[key], let value = fields[key] else {
                throw ConfigurationError(
                    key: full, message: "unknown setting; known here: \(known.keys.sorted().joined(separator: ", "))")
            }
            if case .object = current {
                var sub = current
                try merge(value, into: &sub, path: full)
                known[key] = sub
            } else {
                known[key] = try conform(value, to: current, key: full)
            }
        }
        tree = .object(known)
    }

    /// Checks `value` has the type of `example` (integers are accepted where numbers are).
    /// A number comes back written as `JSONDecoder` will read it: an integer setting as its
    /// whole value (`8080.0` → `8080`), any other number as a Double.
    static func conform(_ value: JSONValue, to example: JSONValue, key: String) throws -> JSONValue {
        switch (example, value) {
        case (.bool, .bool), (.string, .string): return value
        case (.number(let slot), .number(let given)) where slot.wholeValue != nil:
            // Whole stays whole (so a file's `"warmup_epochs": 0` still equals the default).
            if let whole = given.wholeValue { return .int(whole) }
            if realLeaves.contains(key), let double = given.double.flatMap(JSONValue.double) { return double }
        case (.number, .number(let given)):
            guard let double = given.double.flatMap(JSONValue.double) else {
                throw ConfigurationError(key: key, message: "must be a number within ±1.8e308 (got \(given.text))")
            }
            return double
        case (.array(let items), .array(let given)):
            guard let first = items.first else { return value }
            return .array(try given.enumerated().map { try conform($1, to: first, key: "\(key)[\($0)]") })
        default: break
        }
        let expected = example.typeName == "number" ? "a number" : "a \(example.typeName)"
        throw ConfigurationError(key: key, message: "must be \(expected), got \(value.typeName)")
    }

    /// Sets one leaf from text (environment or flag), parsed to the leaf's type.
    static func set(_ path: String, text: String, in tree: inout JSONValue, source: String) throws {
        try set(path, in: &tree, source: source) { try parse(text, like: $0, key: path, source: source) }
    }

    static func set(_ path: String, value: JSONValue, in tree: inout JSONValue) throws {
        try set(path, in: &tree, source: "a probe") { _ in value }
    }

    private static func set(
        _ path: String, in tree: inout JSONValue, source: String, to value: (JSONValue) throws -> JSONValue
    ) throws {
        let parts = path.split(separator: ".").map(String.init)
        func update(_ node: JSONValue, _ index: Int) throws -> JSONValue {
            guard case .object(var o) = node, let child = o[parts[index]] else {
                throw ConfigurationError(key: path, message: "unknown setting (from \(source))")
            }
            if index == parts.count - 1 {
                o[parts[index]] = try value(child)
            } else {
                o[parts[index]] = try update(child, index + 1)
            }
            return .object(o)
        }
        tree = try update(tree, 0)
    }

    static func parse(_ text: String, like example: JSONValue, key: String, source: String) throws -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func fail(_ what: String) -> ConfigurationError {
            ConfigurationError(key: key, message: "must be \(what), got \"\(text)\" (from \(source))")
        }
        switch example {
        case .string: return .string(text)
        case .number(let slot) where slot.wholeValue != nil:
            if let i = Int(trimmed) { return .int(i) }
            guard realLeaves.contains(key), let d = Double(trimmed).flatMap(JSONValue.double) else {
                throw fail("an integer")
            }
            return d
        case .number:
            guard let d = Double(trimmed).flatMap(JSONValue.double) else { throw fail("a number") }
            return d
        case .bool:
            switch trimmed.lowercased() {
            case "true", "1", "yes", "on": return .bool(true)
            case "false", "0", "no", "off": return .bool(false)
            default: throw fail("true or false")
            }
        case .array:
            let items = trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let ints = items.compactMap { Int($0) }
            guard !items.isEmpty, ints.count == items.count else { throw fail("a comma-separated list of integers") }
            return .array(ints.map { .int($0) })
        default: throw fail("a value of another kind")
        }
    }
}

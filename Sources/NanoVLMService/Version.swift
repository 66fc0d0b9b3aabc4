/// The service's version, reported by `/v1/model` and `nanovlm_build_info`.
public enum ServiceVersion {
    public static let string = "0.1.0"
}

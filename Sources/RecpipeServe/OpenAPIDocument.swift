import Foundation

/// The OpenAPI description of `recpipe serve`: the repository file `Sources/RecpipeServe/openapi.yaml`,
/// shipped as a resource of this module and served at `/openapi.yaml`. The route tests check that
/// the document and the router name the same routes, and that the answers have the documented
/// fields; `scripts/check_openapi.sh` runs schemathesis against a live server with it.
enum OpenAPIDocument {
    /// The document's text, or why it cannot be read (a binary installed without its resources).
    static let loaded: Result<String, ServeError> = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            return .failure(
                .setup(
                    "openapi.yaml is missing beside the recpipe binary (recpipe_RecpipeServe.resources); reinstall recpipe with its resources folder"
                ))
        }
        do {
            return .success(try String(contentsOf: url, encoding: .utf8))
        } catch {
            return .failure(.setup("cannot read \(url.path): \(error.localizedDescription)"))
        }
    }()

    /// The document's text; throws when it is missing.
    static func text() throws(ServeError) -> String { try loaded.get() }
}

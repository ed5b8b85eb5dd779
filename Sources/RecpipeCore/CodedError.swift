/// An error that knows the stable code it is reported under (`lua-runtime`,
/// `database-connection-failed`, `missing-column`, …). A stage that lets one escape fails with
/// that code in the run summary, the manifest and `--json`, rather than the generic
/// `stage-failed`; docs/architecture.md lists the codes.
package protocol CodedError: Error {
    /// The code, in the kebab-case of validation diagnostics.
    var errorCode: String { get }
}

extension WriteError: CodedError {
    /// Every failed write (`ENOSPC`, `EROFS`, a missing directory) is `write-failed`.
    package var errorCode: String { "write-failed" }
}

import Foundation
import RecpipeCore
import RecpipeSpec
import Testing

@testable import RecpipeEngine

/// Runtime failures have the shape of validation diagnostics: a code, a location and a hint,
/// kept in the report, the manifest and `--json`.
@Suite struct RuntimeErrorTests {
    @Test func aStageErrorKeepsItsCodeLocationAndHint() async throws {
        let f = Fixture()
        let r = try await f.run([f.stage("bad", "boom")])
        let bad = try #require(r.report("bad"))
        #expect(bad.status == .failed)
        #expect(bad.error == "p.yaml:1:1: planned failure (this stage always fails)")
        #expect(bad.errorCode == "stage-failed")
        #expect(bad.errorLocation == "p.yaml:1:1")
        #expect(
            bad.failure
                == .error(
                    "stage-failed", "planned failure", at: SourceLocation(file: "p.yaml", line: 1, column: 1),
                    hint: "this stage always fails"))
    }

    @Test func theManifestRecordsTheCodeAndLocation() async throws {
        let f = Fixture()
        let r = try await f.run([f.stage("bad", "boom")])
        let path = try #require(r.manifestPath)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let stages = try #require(json["stages"] as? [[String: Any]])
        #expect(stages.first?["error_code"] as? String == "stage-failed")
        #expect(stages.first?["error_location"] as? String == "p.yaml:1:1")
        // Decoded back (as `recpipe report` and `runs` read it): code and location, no diagnostic.
        let decoded = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(decoded.stages.first?.errorCode == "stage-failed")
        #expect(decoded.stages.first?.errorLocation == "p.yaml:1:1")
    }

    @Test func engineFailuresHaveTheirOwnCodes() async throws {
        let f = Fixture()
        let chain = [f.stage("a", "source"), f.stage("b", "add", inputs: ["a"])]
        let onlyB = try await f.run(chain) { $0.only = ["b"] }
        #expect(onlyB.report("a")?.errorCode == "not-cached")
        #expect(onlyB.report("a")?.failure?.code == "not-cached")
    }

    @Test func anyOtherErrorIsWrappedUnderStageFailed() {
        struct Odd: Error, CustomStringConvertible { var description: String { "odd thing" } }
        let e = StageError(wrapping: Odd())
        #expect(e.code == "stage-failed" && e.message == "odd thing" && e.location == nil)
        let kept = StageError(wrapping: StageError("x", code: "own-code"))
        #expect(kept.code == "own-code")
        #expect(StageError(wrapping: Odd(), code: "source-state-failed").diagnostic.code == "source-state-failed")
    }

    @Test func aCodedErrorIsWrappedUnderItsOwnCode() {
        struct Coded: CodedError, CustomStringConvertible {
            var errorCode: String { "own-code" }
            var description: String { "what happened" }
        }
        let e = StageError(wrapping: Coded())
        #expect(e.code == "own-code" && e.message == "what happened")
        // A code the caller gives wins over the error's own.
        #expect(StageError(wrapping: Coded(), code: "source-state-failed").code == "source-state-failed")
        #expect(StageError.Code.of(Coded()) == "own-code")
        #expect(StageError.Code.of(StageError("x", code: .notCached)) == .notCached)
    }
}

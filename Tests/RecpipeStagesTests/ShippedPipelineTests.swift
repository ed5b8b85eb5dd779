import Foundation
import RecpipeCore
import RecpipeSpec
import RecpipeTestSupport
import Testing

@testable import RecpipeStages

/// Every pipeline the repository ships (pipelines/, scripts/bench/, docs/) validates against the
/// real stage catalog, as `recpipe validate` would check it.
@Suite struct ShippedPipelineTests {
    /// The shipped YAML files, relative to the repository root, found on disk (a new one is
    /// checked without editing this test).
    static let files: [String] = {
        let root = TestSupport.repositoryRoot
        var out: [String] = []
        for dir in ["pipelines", "scripts/bench", "docs"] {
            guard let walker = FileManager.default.enumerator(atPath: root + "/" + dir) else { continue }
            for case let path as String in walker where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                out.append(dir + "/" + path)
            }
        }
        return out.sorted()
    }()

    @Test func theShippedPipelinesAreFound() {
        #expect(Self.files.contains("pipelines/demo.yaml"))
        #expect(Self.files.contains("pipelines/online-retail.yaml"))
        #expect(Self.files.contains { $0.hasPrefix("scripts/bench/") })
    }

    @Test(arguments: files) func validates(_ file: String) {
        let result = PipelineLoader.load(path: TestSupport.repositoryRoot + "/" + file, catalog: StageRegistry.catalog)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(file):\n\(result.rendered())")
        #expect(result.spec != nil)
    }
}

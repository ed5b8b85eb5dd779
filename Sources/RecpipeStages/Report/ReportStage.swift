import Foundation
import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeReport
import RecpipeSpec

/// `report`: writes the run's HTML report (as `recpipe report` does) from inside the run, so a
/// nightly run leaves its page beside its exports. It sees the stages that finished before it:
/// connect every stage the page should show (`inputs: { of: [recs, profiles, quality] }`).
struct ReportStage: Stage {
    static let declaration = StageDeclaration(
        kind: "report",
        summary:
            "Write the run's HTML report (stages, customers, models, rules) once the stages it lists have finished.",
        inputs: [
            PortSpec(
                "of", accepts: ArtifactKind.allCases, multiple: true,
                doc:
                    "the stages to wait for; the page reads every finished stage's result (list the last ones: rank, evaluate, tag, export)"
            )
        ],
        params: [
            ParamSpec("to", .outputPath, required: true, doc: "the HTML file to write, relative to the pipeline file")
        ],
        output: .files)

    func run(_ context: StageContext) async throws -> StageOutput {
        let path = context.path("to")
        // The cache directory holds runs/<id>/: the run directory's grandparent.
        let root = ((context.runDirectory as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let store = ArtifactStore(
            root: root, artifactTypes: StageRegistry.artifactTypes, pipeline: context.pipeline.name)
        let run = RunReport(
            pipeline: context.pipeline.name, file: context.pipeline.file, runID: context.runID, startedAt: Date(),
            seconds: context.finishedStages.reduce(0) { $0 + $1.seconds }, stages: context.finishedStages,
            dryRun: false,
            runDirectory: context.runDirectory)
        var page = ReportBuilder.page(spec: context.pipeline, run: run, store: store, live: true)
        let later = context.pipeline.stages.map(\.name).filter { n in
            n != context.stageName && !run.stages.contains { $0.stage == n }
        }
        if !later.isEmpty {
            page.sections[0].blocks.insert(
                .notes([
                    "written by stage '\(context.stageName)' during the run: \(later.joined(separator: ", ")) had not finished and "
                        + "are not shown (connect them to its `of` input, or run `recpipe report` after the run)"
                ]), at: 0)
        }
        let html: String
        do {
            html = try ReportRenderer().render(page)
        } catch {
            throw StageError("\(error)", at: context.spec.location)
        }
        try AtomicFile.write(html, to: path)
        let written = StageContext.pipelinePath(
            path, written: context.string("to"), base: context.pipeline.baseDirectory)
        let figures = page.sections.reduce(0) { $0 + $1.blocks.count { $0.figure != nil } }
        let empty = page.sections.filter { s in !s.blocks.contains { $0.figure != nil } }.map(\.id)
        return StageOutput(
            WrittenFiles(entries: [.init(path: written, hash: FileHashCache.hashFile(path) ?? "", rows: figures)]),
            rowsIn: run.stages.count, rowsOut: 1,
            counters: [.init("charts", figures), .init("bytes", html.utf8.count)],
            notes: ["wrote \(written)"]
                + (empty.isEmpty ? [] : ["sections without a chart: \(empty.joined(separator: ", "))"]))
    }
}

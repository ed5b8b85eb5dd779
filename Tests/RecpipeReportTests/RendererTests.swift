import Foundation
import Testing

@testable import RecpipeReport

@Suite struct RendererTests {
    func page() -> ReportPage {
        let bars = BarChart([("a & b", 2), ("c", 3)], categoryHeader: "name", valueHeader: "count")
        return ReportPage(
            title: "demo <shop>", subtitle: "run 1",
            facts: [.init("stages", "18 ran")],
            sections: [
                .init(
                    id: "run", title: "Run", intro: "What ran.",
                    blocks: [
                        .figure(bars.figure(title: "Counts", caption: "per name")),
                        .table("Stages", DataTable(columns: ["stage", "rows"], rows: [["events", "60,000"]])),
                        .notes(["1 bad row <quarantined>"], warning: true),
                    ]),
                .init(id: "models", title: "Models", blocks: [.notes(["no evaluate stage"])]),
            ])
    }

    @Test func rendersOneSelfContainedDocument() throws {
        let html = try ReportRenderer().render(page())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>demo &lt;shop&gt;</title>"))
        #expect(html.contains("<section id=\"run\">"))
        #expect(html.contains("<a href=\"#models\">Models</a>"))
        #expect(html.contains("<p class=\"intro\">What ran.</p>"))
        // The chart inline, its numbers in a table, text escaped once.
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(html.contains("<td>a &amp; b</td><td class=\"num\">2</td>"))
        #expect(html.contains("<h3>Stages</h3>"))
        #expect(html.contains("<td>events</td><td class=\"num\">60,000</td>"))
        #expect(html.contains("<ul class=\"notes warning\">"))
        #expect(html.contains("<li>1 bad row &lt;quarantined&gt;</li>"))
        #expect(html.contains("<ul class=\"notes\">"))
        // Nothing is fetched: no scripts, no external styles, fonts or images.
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("@import"))
        let urls = html.matches(of: /https?:\/\/[^"\s)]+/).map { String($0.0) }
        #expect(Set(urls) == ["http://www.w3.org/2000/svg"])
        // Every template was found: the style sheet and the table partial rendered.
        #expect(html.contains("@media print"))
        #expect(html.contains("<details class=\"numbers\">"))
    }

    @Test func aMissingTemplateDirectoryIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-templates-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: ReportRenderer.TemplateError.self) { try ReportRenderer(directory: dir) }
    }

    @Test func aBrokenTemplateNamesItsFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-templates-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{{#open}} never closed".write(toFile: dir + "/report.mustache", atomically: true, encoding: .utf8)
        do {
            _ = try ReportRenderer(directory: dir)
            Issue.record("expected an error")
        } catch let e as ReportRenderer.TemplateError {
            #expect(e.description.contains("report.mustache"))
        }
    }
}

import Foundation
import RecpipeCore
import Testing

@testable import RecpipeSpec

/// Defaults come from the declaration, once; accessors of defaulted parameters are non-optional.
@Suite struct StageParametersTests {
    enum Mode: String { case fast, exact }

    static let declaration = StageDeclaration(
        kind: "demo", summary: "a stage with every sort of parameter",
        params: [
            ParamSpec("k", .int, default: .int(8), doc: "k"),
            ParamSpec("rate", .float, default: .double(0.5), doc: "rate"),
            ParamSpec("mode", .choice(["fast", "exact"]), default: .string("fast"), doc: "mode"),
            ParamSpec("columns", .list(.string), default: .list([.string("a"), .string("b")]), doc: "columns"),
            ParamSpec("range", .list(.int), default: .list([.int(2), .int(10)]), doc: "range"),
            ParamSpec("event", .string, default: .string("event"), nullable: true, doc: "nullable with a default"),
            ParamSpec("seed", .int, doc: "no default"),
            ParamSpec("path", .path, required: true, doc: "required"),
        ],
        output: .table)

    @Test func omittedParametersGetTheDeclaredDefault() {
        let p = StageParameters(["path": .string("x.csv")], declaration: Self.declaration)
        #expect(p.int("k") == 8)
        #expect(p.double("rate") == 0.5)
        #expect(p.choice("mode", as: Mode.self) == .fast)
        #expect(p.strings("columns") == ["a", "b"])
        #expect(p.ints("range") == [2, 10])
        #expect(p.string("event") == "event")
        #expect(p.string("path") == "x.csv")
        #expect(p.optionalInt("seed") == nil)
        #expect(p.values.keys.sorted() == ["columns", "event", "k", "mode", "path", "range", "rate"])
    }

    @Test func givenValuesWinAndNullMeansNone() {
        let p = StageParameters(
            ["k": .int(3), "mode": .string("exact"), "event": .null, "seed": .int(7)], declaration: Self.declaration)
        #expect(p.int("k") == 3)
        #expect(p.choice("mode", as: Mode.self) == .exact)
        #expect(p.optionalString("event") == nil)
        #expect(p.optionalInt("seed") == 7)
        #expect(p.double("rate") == 0.5)
    }

    @Test func aWrittenButRejectedParameterIsNotDefaulted() {
        let p = StageParameters([:], declaration: Self.declaration, written: ["k"])
        #expect(p.values["k"] == nil)
        #expect(p.values["rate"] == .double(0.5))
    }

    /// Validation fills defaults through the same type: a loaded stage has every default.
    @Test func validationFillsTheSameDefaults() throws {
        let r = TestCatalog.load(TestCatalog.demo)
        let spec = try #require(r.spec)
        for stage in spec.stages {
            let declaration = try #require(TestCatalog.catalog[stage.kind])
            #expect(StageParameters(stage, declaration: declaration).values == stage.params)
        }
    }
}

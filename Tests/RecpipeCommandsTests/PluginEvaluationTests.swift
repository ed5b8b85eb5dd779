import Foundation
import RecpipeTestSupport
import Testing

/// Issue 16: a candidates plugin in an `evaluate` refit. Its `seen` is the split's train part,
/// held-out purchases are hidden from `u:purchased` (they are the answer), and an input computed
/// from the same events (`neighbors` here) is re-derived without the held-out rows
/// (SideChainEvaluationTests); one that cannot be is named and counted in the summary.
@Suite struct PluginEvaluationTests {
    /// Every item the user has not bought, A first (A 4, B 3, C 2, D 1).
    static let unbought = """
        candidates{
          name = "unbought",
          fn = function(u, ctx)
            local out = {}
            for id, s in pairs({ A = 4, B = 3, C = 2, D = 1 }) do
              if not u:purchased(id) and ctx.neighbors then out[#out + 1] = { id, s } end
            end
            return out
          end,
        }
        """

    @Test func heldOutPurchasesAreHiddenAndOtherInputsReDerived() async throws {
        // leave_last holds out each user's latest pair: U1 C (12:00), U2 C (09:10), U3 D (08:01).
        // Purchases: U1 A, B; U2 B, C; U3 A — so U2's C is hidden from u:purchased (1 purchase).
        // Candidates: U1 C, D (test C: hit); U2 A, C, D (test C: hit); U3 B, C, D (test D: hit).
        // With C left in U2's purchases, U2 would miss (hit rate 2/3).
        let p = LuaPluginCLITests.project(
            "plugin-evaluate", plugins: ["unbought.lua": Self.unbought],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  purchases: { uses: encode, inputs: { events: events }, with: { weights: { view: 0, purchase: 1 } } }
                  together:
                    uses: lua
                    inputs: { seen: matrix, purchased: purchases, neighbors: purchases, items: items }
                    with: { script: unbought.lua, output: candidates }
                  holdout: { uses: split, input: matrix, with: { method: leave_last } }
                  quality: { uses: evaluate, inputs: { split: holdout, models: [together] }, with: { k: 4 } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("evaluation: 1 purchases the split holds out are hidden from u:purchased"), "\(r.out)")
        #expect(r.out.contains("hit_rate@4 1.0000"), "\(r.out)")
        // `neighbors` is computed from the events too: re-derived without the 3 held-out rows
        // (U1 C view, U2 C purchase, U3 D view), so nothing is left optimistic.
        #expect(r.out.contains("models_with_unrefitted_inputs 0"), "\(r.out)")
        #expect(
            r.out.contains(
                "\nquality.together: 'purchases' re-derived on the train part too, from the events without the "
                    + "held-out pairs: 'quality.events' (3 of 8 rows dropped)"), "\(r.out)")
        #expect(!r.out.contains("optimistic"), "\(r.out)")
        #expect(!r.out.contains("together.purchased"), "u:purchased hides the held-out pairs: \(r.out)")
    }

    @Test func aRefitReadingOnlyTheSplitAndIndependentDataIsNotFlagged() async throws {
        let p = LuaPluginCLITests.project(
            "plugin-evaluate-clean", plugins: ["unbought.lua": Self.unbought],
            stages: """
                  matrix: { uses: encode, inputs: { events: events }, with: { weights: { view: 1, purchase: 5 } } }
                  together:
                    uses: lua
                    inputs: { seen: matrix, purchased: matrix, items: items }
                    with: { script: unbought.lua, output: candidates }
                  holdout: { uses: split, input: matrix, with: { method: leave_last } }
                  quality: { uses: evaluate, inputs: { split: holdout, models: [together] }, with: { k: 4 } }
                """)
        let r = await recpipe("run", p)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("models_with_unrefitted_inputs 0"), "\(r.out)")
        #expect(!r.out.contains("optimistic") && !r.err.contains("optimistic"), "\(r.out)")
    }
}

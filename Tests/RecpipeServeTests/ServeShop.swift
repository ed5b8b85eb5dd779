import Foundation
import Hummingbird
import HummingbirdTesting
import RecpipeCommands
import RecpipeEngine
import RecpipeServe
import RecpipeSpec
import RecpipeStages
import RecpipeTestSupport
import Testing

/// A tiny shop (two categories, six users) with the demo's stage layout, run once per fixture:
/// events → interactions, purchases, features → tags, ALS → rank with a promotion; the events
/// ingest `include`s the server's event log.
struct ServeShop {
    let dir: String
    let pipeline: String

    static let events = """
        user_id,item_id,event,timestamp,quantity,price
        u0,a1,view,2026-10-01 10:00:00,1,50
        u0,a2,purchase,2026-10-02 10:00:00,1,60
        u0,a3,view,2026-10-03 10:00:00,1,70
        u1,a1,view,2026-10-04 10:00:00,1,50
        u1,a2,view,2026-10-05 10:00:00,1,60
        u1,a4,purchase,2026-10-06 10:00:00,2,80
        u2,b1,view,2026-10-07 10:00:00,1,10
        u2,b2,purchase,2026-10-08 10:00:00,1,12
        u2,b3,view,2026-10-09 10:00:00,1,14
        u3,b1,purchase,2026-10-10 10:00:00,3,10
        u3,b2,view,2026-10-11 10:00:00,1,12
        u3,b4,view,2026-10-12 10:00:00,1,16
        u4,a1,view,2026-10-13 10:00:00,1,50
        u4,b1,view,2026-10-14 10:00:00,1,10
        u4,b3,purchase,2026-10-15 10:00:00,1,14
        u5,a3,purchase,2026-10-16 10:00:00,1,70
        u5,a4,view,2026-10-17 10:00:00,1,80
        u5,b2,view,2026-10-18 10:00:00,1,12
        """

    static let promotions = """
        promote{ name = "toys", boost = 1.1, when = function(u, item) return item.category == "toys" end }
        """

    /// `popular`: the rank stage also gets a popular input (the fallback for unknown users).
    /// `similar`: the pipeline also has a `cf` stage with `output: similar_items` (3 neighbours).
    init(label: String = "serve", popular: Bool = false, similar: Bool = false) async {
        dir = TestSupport.temporaryDirectory(label)
        TestSupport.write(Self.events, to: "events.csv", in: dir)
        TestSupport.write(
            """
            item_id,category,price,stock
            a1,coats,50,5
            a2,coats,60,5
            a3,coats,70,5
            a4,coats,80,5
            b1,toys,10,5
            b2,toys,12,5
            b3,toys,14,5
            b4,toys,16,5
            """, to: "items.csv", in: dir)
        TestSupport.write(
            """
            tag("spender", function(u) return u.monetary >= 100 end)
            tag("new_user", function(u) return u.events < 3 end)
            """, to: "rules/tags.lua", in: dir)
        TestSupport.write(Self.promotions, to: "rules/promotions.lua", in: dir)
        let inputs = popular ? "purchased: purchases, popular: popular" : "purchased: purchases"
        pipeline = TestSupport.write(
            """
            pipeline: serve-shop
            seed: 7
            as_of: "2026-11-01"
            stages:
              events:
                uses: ingest
                with:
                  path: events.csv
                  include: serve-log/p
                  schema:
                    user_id: string
                    item_id: string
                    event: string
                    timestamp: { type: timestamp, format: "%Y-%m-%d %H:%M:%S" }
                    quantity: int
                    price: float
              items: { uses: ingest, with: { path: items.csv } }
              matrix: { uses: encode, inputs: { events: events }, with: { target: interactions, weights: { view: 1, cart: 3, purchase: 5 } } }
              purchases: { uses: encode, inputs: { events: events }, with: { target: interactions, weights: { view: 0, cart: 0, purchase: 1 } } }
              features: { uses: encode, inputs: { events: events, items: items }, with: { target: user_features, category_shares: category, top_categories: 4 } }
              profiles: { uses: tag, inputs: { features: features }, with: { script: rules/tags.lua } }
              als: { uses: als, input: matrix, with: { factors: 2, iterations: 10, solver: cholesky, candidates: 6 } }
              \(popular ? "popular: { uses: popular, input: matrix }" : "")
              \(similar ? "similar: { uses: cf, input: matrix, with: { mode: item, neighbors: 3, output: similar_items } }" : "")
              recs:
                uses: rank
                inputs: { candidates: [als], items: items, profiles: profiles, seen: matrix, \(inputs) }
                with: { top: 3, promotions: rules/promotions.lua }

            """, to: "p.yaml", in: dir)
        _ = await Self.quiet(["run", pipeline])
    }

    init(dir: String, pipeline: String) {
        self.dir = dir
        self.pipeline = pipeline
    }

    /// The server's default log: `serve-log/<pipeline file stem>/events.jsonl` beside the pipeline.
    var logPath: String {
        dir + "/serve-log/" + ((pipeline as NSString).lastPathComponent as NSString).deletingPathExtension
            + "/events.jsonl"
    }

    /// Runs a recpipe command line in-process without printing; returns the exit code and stderr.
    @discardableResult
    static func quiet(_ args: [String]) async -> (code: Int32, err: String) {
        let err = TextBuffer()
        let console = Console(out: { _ in }, err: { s in err.append(s) }, isTerminal: false)
        let code = await Console.$current.withValue(console) { await RecpipeCommand.execute(args) }
        return (code, err.value)
    }

    func spec() throws -> PipelineSpec {
        try #require(PipelineLoader.load(path: pipeline, overrides: [], catalog: StageRegistry.catalog).spec)
    }

    /// The server state over the last run (and the log replayed when `logged`).
    func prepare(logged: Bool = true, token: String? = nil, cacheBytes: Int = ServeOptions.defaultCacheBytes) throws
        -> (
            state: ServeState, log: EventLog?, options: ServeOptions, replay: EventReplay.Result
        )
    {
        let spec = try spec()
        var options = ServeOptions()
        options.logPath = logged ? EventLogPlace.defaultPath(spec) : nil
        options.token = token
        options.watchInterval = nil
        options.maxBodyBytes = 4096
        options.cacheBytes = cacheBytes
        let store = StageRegistry.runner.store(for: spec, options: RunOptions())
        let (state, log, replay) = try ServeServer.prepare(spec, store: store, pipelinePath: pipeline, options: options)
        return (state, log, options, replay)
    }

    /// An application over a prepared state, for `app.test(.router)`.
    func app(logged: Bool = true, token: String? = nil, cacheBytes: Int = ServeOptions.defaultCacheBytes) throws -> (
        app: some ApplicationProtocol, state: ServeState
    ) {
        let (state, log, options, _) = try prepare(logged: logged, token: token, cacheBytes: cacheBytes)
        return (Application(router: ServeRoutes.router(state, options: options, log: log)), state)
    }
}

/// A string appended to from several threads.
final class TextBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ s: String) { lock.withLock { text += s } }
    var value: String { lock.withLock { text } }
}

/// The JSON object of a test response.
func object(_ r: TestResponse) throws -> [String: Any] {
    let data = Data(r.body.readableBytesView)
    return try #require(
        try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
}

func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

/// The item ids of a recommendations response.
func items(_ o: [String: Any]) -> [String] {
    ((o["items"] as? [[String: Any]]) ?? []).compactMap { $0["item"] as? String }
}

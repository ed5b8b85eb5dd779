import ArgumentParser
import Foundation
import RecpipeData

struct DemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Generate a realistic demo shop (users, items, events) with planted tastes and segments.",
        discussion: """
            Writes users.csv, items.csv, events.csv and truth/ (the planted segment and tastes of \
            each user, to check profiles and recommendations against). The same seed gives \
            byte-identical files.

            Examples:
              recpipe demo-data --out data/demo
              recpipe demo-data --out /tmp/big --users 200000 --items 50000 --events 20000000
            """)

    @Option(help: "Output directory.") var out: String
    @Option(help: "Number of users.") var users: Int = 2000
    @Option(help: "Number of items.") var items: Int = 500
    @Option(help: "Number of events.") var events: Int = 60_000
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func validate() throws {
        guard users > 0, items > 0 else { throw ValidationError("--users and --items must be at least 1") }
        guard events >= 0 else { throw ValidationError("--events must not be negative") }
    }

    func run() throws {
        let start = Date()
        let s = try DemoShop.generate(users: users, items: items, events: events, seed: seed, to: out)
        Console.print(
            "wrote \(s.directory)/{users,items,events}.csv and truth/: \(s.users) users, \(s.items) items, "
                + "\(s.events) events in \(String(format: "%.1f", Date().timeIntervalSince(start)))s")
    }
}

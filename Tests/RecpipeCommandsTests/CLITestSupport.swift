import Foundation
import RecpipeCommands
import Synchronization

/// Runs a recpipe command line in-process and captures what it prints.
struct CLIResult {
    var code: Int32
    var out: String
    var err: String
}

func recpipe(_ args: String...) async -> CLIResult {
    await recpipe(args)
}

func recpipe(_ args: [String]) async -> CLIResult {
    let out = Mutex(""), err = Mutex("")
    let console = Console(
        out: { s in out.withLock { $0 += s } }, err: { s in err.withLock { $0 += s } }, isTerminal: false)
    let code = await Console.$current.withValue(console) {
        await RecpipeCommand.execute(args)
    }
    return CLIResult(code: code, out: out.withLock { $0 }, err: err.withLock { $0 })
}

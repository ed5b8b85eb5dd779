import Foundation
import RecpipeCommands

exit(await RecpipeCommand.mainEntry())

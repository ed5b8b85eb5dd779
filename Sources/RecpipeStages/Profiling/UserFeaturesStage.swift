import RecpipeData
import RecpipeEngine

/// `encode target: user_features` (being written: see UserFeaturesBuilder).
enum UserFeaturesStage {
    static func run(_ context: StageContext, events: Table) throws -> StageOutput {
        throw StageError("target: user_features is not available in this build", at: context.location(of: "target"))
    }
}

import RecpipeCore
import RecpipeData
import RecpipeEngine
import RecpipeSpec

/// Every stage kind recpipe knows, and the artifact types its cache can decode.
package enum StageRegistry {
    package static let all: [any Stage.Type] = [
        IngestStage.self, CleanStage.self, ExportStage.self, EncodeStage.self, RankStage.self,
        CFStage.self, SplitStage.self, EvaluateStage.self, PopularStage.self, ALSStage.self,
        ClusterStage.self, TagStage.self, ReportStage.self, LuaStage.self, DropHeldOutStage.self,
    ]

    package static let catalog = StageCatalog(all.map { $0.declaration })

    package static let artifactTypes: [ArtifactKind: any Artifact.Type] = [
        .table: Table.self,
        .profiles: Table.self,
        .metrics: Table.self,
        .interactions: Interactions.self,
        .features: FeatureSet.self,
        .segments: Segments.self,
        .factors: Factors.self,
        .candidates: Candidates.self,
        .similarItems: SimilarItems.self,
        .recommendations: Recommendations.self,
        .split: EvaluationSplit.self,
        .files: WrittenFiles.self,
    ]

    package static let runner = PipelineRunner(stageTypes: all, artifactTypes: artifactTypes)
}

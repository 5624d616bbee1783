namespace BedrockCost.Core.Sources;

// An output type: its full name is the format view's and users' contract, so it keeps its namespace.
/// <summary>A cost allocation tag key and whether it is activated (Cost Explorer ListCostAllocationTags).</summary>
public sealed class PrincipalTag
{
    public string TagKey { get; init; } = string.Empty;
    /// <summary>Active or Inactive.</summary>
    public string Status { get; init; } = string.Empty;
    /// <summary>AWSGenerated or UserDefined.</summary>
    public string Type { get; init; } = string.Empty;
    public DateTime? LastUpdatedDate { get; init; }
    public DateTime? LastUsedDate { get; init; }
    public override string ToString() => $"{TagKey} ({Status})";
}

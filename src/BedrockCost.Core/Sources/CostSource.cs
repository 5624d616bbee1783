using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Sources;

/// <summary>
/// Where cost data comes from: CUR 2.0 files (<see cref="CurSource"/> over an <see cref="IObjectStore"/>) or
/// an engine that aggregates itself (Cost Explorer; Athena). Every cmdlet that reads cost data takes one, and
/// asks its <see cref="Capabilities"/>, never its type.
/// </summary>
public interface ICostSource : IDisposable
{
    /// <summary>Short text for messages: a path, an S3 URI, "Cost Explorer (...)".</summary>
    string Description { get; }

    SourceCapabilities Capabilities { get; }

    /// <summary>
    /// The latest billing period (YYYY-MM) the source can name without reading cost data (an export's layout);
    /// null when it cannot tell (loose files) or has no periods of its own (<see cref="SourceCapabilities.UpToToday"/>).
    /// </summary>
    Task<string?> LatestBillingPeriodAsync(IOperationContext ctx, CancellationToken ct);

    Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct);
}

/// <summary>What a source can answer.</summary>
public sealed class SourceCapabilities
{
    /// <summary>Dimensions a query may group by (Cost Explorer: no principal, token type, usage type or region).</summary>
    public required IReadOnlySet<Dimension> GroupBy { get; init; }

    /// <summary>Token counts and token types (from usage types and pricing units).</summary>
    public bool HasTokens { get; init; }

    /// <summary>It reads data files: files read and rows scanned are worth reporting, and the export layout can be inspected.</summary>
    public bool ReadsFiles { get; init; }

    /// <summary>
    /// It answers for any dates up to today (an API over the live bill); without dates, reading is anchored on
    /// today. Files end where their data ends.
    /// </summary>
    public bool UpToToday { get; init; }

    public bool CanGroupBy(Dimension dimension) => GroupBy.Contains(dimension);

    /// <summary>CUR 2.0 line items: every dimension, tokens, files.</summary>
    public static readonly SourceCapabilities CurFiles = new()
    {
        GroupBy = Enum.GetValues<Dimension>().ToHashSet(),
        HasTokens = true,
        ReadsFiles = true,
    };
}

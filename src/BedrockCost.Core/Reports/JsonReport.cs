using System.Text.Json;
using System.Text.Json.Serialization;
using BedrockCost.Core.Allocation;

namespace BedrockCost.Core.Reports;

/// <summary>The statement as JSON (camelCase, enums as names, money as exact decimal numbers).</summary>
public static class JsonReport
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Task WriteAsync(ChargebackStatement statement, Stream stream, CancellationToken ct) =>
        JsonSerializer.SerializeAsync(stream, new
        {
            statement.BillingPeriods,
            statement.CostBasis,
            statement.Policy,
            statement.UnallocatedOwner,
            statement.CostCenterTag,
            statement.MappingFile,
            statement.Source,
            statement.GeneratedAt,
            AllocationDecimals = ChargebackStatement.AllocationDecimals,
            statement.Reconciles,
            statement.Reconciliation,
            statement.CostCenters,
            statement.CostCentersByPeriod,
            statement.Lines,
            statement.ByPrincipal,
            statement.ByModelAndTokenType,
            statement.Daily,
        }, Options, ct);
}

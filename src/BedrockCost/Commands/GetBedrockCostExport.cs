using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.Sources;

namespace BedrockCost.Commands;

/// <summary>Lists the CUR 2.0 exports under an S3 location or a folder, and what is misconfigured in them.</summary>
[Cmdlet(VerbsCommon.Get, "BedrockCostExport", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CostExport))]
public sealed class GetBedrockCostExport : CurSourceCmdlet
{
    protected override async Task EndProcessingAsync()
    {
        if (!HasSource) return;
        using var source = await CreateCurSourceAsync().ConfigureAwait(false);
        EmitDebug($"Source: {source.Description}");
        Activity = $"inspecting the exports under {source.Description}";
        foreach (var export in await ExportInspector.InspectAsync(source, Context, CancelToken).ConfigureAwait(false))
            Emit(export);
    }
}

using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core.Allocation;

namespace BedrockCost.Commands;

/// <summary>Chargeback lines (cost centre x principal x model, plus allocations) that add up to the Bedrock total.</summary>
[Cmdlet(VerbsData.ConvertTo, "BedrockChargeback", DefaultParameterSetName = PathSet)]
[OutputType(typeof(ChargebackLine))]
public sealed class ConvertToBedrockChargeback : ChargebackCmdletBase
{
    protected override async Task EndProcessingAsync()
    {
        var statement = await BuildStatementAsync().ConfigureAwait(false);
        if (statement is null) return;
        foreach (var line in statement.Lines) Emit(line);
    }
}

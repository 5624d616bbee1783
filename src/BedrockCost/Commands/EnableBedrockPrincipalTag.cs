using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Commands;

/// <summary>Activates iamPrincipal/ tags as cost allocation tags (UpdateCostAllocationTagsStatus), with ShouldProcess.</summary>
[Cmdlet(VerbsLifecycle.Enable, "BedrockPrincipalTag", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PrincipalTag))]
public sealed class EnableBedrockPrincipalTag : CostExplorerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] TagKey { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<string> _approved = new();

    protected override async Task ProcessRecordAsync()
    {
        foreach (var key in TagKey.Select(TagKeys.Qualify))
        {
            // ShouldProcess talks to the host: it must run on the pipeline thread.
            if (await InvokeOnPipelineAsync(() => ShouldProcess(key, "Activate cost allocation tag")).ConfigureAwait(false) && !_approved.Contains(key))
                _approved.Add(key);
        }
    }

    protected override async Task EndProcessingAsync()
    {
        if (_approved.Count == 0) return;
        using var client = await CreateClientAsync().ConfigureAwait(false);
        try
        {
            var errors = await CostAllocationTags.ActivateAsync(client, _approved, CancelToken).ConfigureAwait(false);
            foreach (var e in errors)
            {
                var unknown = e.Code == "TagKeysNotFoundException";
                EmitError(ErrorRecords.Create(unknown ? ErrorIds.CostAllocationTagNotFound : ErrorIds.CostAllocationTagActivationFailed,
                    unknown ? ErrorKind.NotFound : ErrorKind.InvalidOperation,
                    $"Cost Explorer did not activate '{e.TagKey}': {e.Code}{(e.Message.Length > 0 ? ": " + e.Message : "")}. " +
                    "A key appears only after a principal or session with that tag has made a billed call; activation needs the management account.", e.TagKey));
            }
            var failed = errors.Select(e => e.TagKey).ToHashSet(StringComparer.Ordinal);
            var done = _approved.Where(k => !failed.Contains(k)).ToList();
            EmitVerbose($"Activated {done.Count} cost allocation tag(s): {string.Join(", ", done)}. Cost Explorer shows them within about 24 hours.");
            if (PassThru && done.Count > 0)
                foreach (var tag in await CostAllocationTags.ListAsync(client, done, null, CancelToken).ConfigureAwait(false)) Emit(tag);
        }
        finally { ReportRequests(client); }
    }
}


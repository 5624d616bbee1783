using System.Management.Automation;
using System.Text.Json;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.DataExports;
using BedrockCost.Core.Sources.S3;

namespace BedrockCost.Commands;

/// <summary>Creates the Bedrock-only CUR 2.0 export (Data Exports CreateExport), with ShouldProcess showing the exact request.</summary>
[Cmdlet(VerbsCommon.New, "BedrockCostExport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CostExportDefinition))]
public sealed class NewBedrockCostExport : AwsCmdlet
{
    protected override IReadOnlyList<string> AwsParameterSets => Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string S3Uri { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ExportName { get; set; } = LeanExport.DefaultName;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Region { get; set; }

    [Parameter]
    public string? Description { get; set; }

    protected override async Task ProcessRecordAsync()
    {
        var destination = S3Location.Parse(S3Uri);
        var name = LeanExport.ValidateName(ExportName);
        // Data Exports is called in us-east-1 whatever the region; the region resolved here is the bucket's unless -S3Region says otherwise.
        var connection = await ConnectAwsAsync().ConfigureAwait(false);
        var s3Region = S3Region ?? connection.Region;
        var request = LeanExport.CreateRequest(name, destination, s3Region, Description);
        var export = request["Export"]!.AsObject();
        var settings = new System.Text.Json.Nodes.JsonObject
        {
            ["TableConfigurations"] = export["DataQuery"]!["TableConfigurations"]!.DeepClone(),
            ["DestinationConfigurations"] = export["DestinationConfigurations"]!.DeepClone(),
            ["RefreshCadence"] = export["RefreshCadence"]!.DeepClone(),
        };
        var description = $"Create the CUR 2.0 data export '{name}', delivered to {LeanExport.Describe(name, destination, s3Region).S3Uri}, with\n" +
                          $"QueryStatement:\n{LeanExport.QueryStatement}\n" +
                          $"{settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}";
        EmitVerbose(description);
        if (!await InvokeOnPipelineAsync(() => ShouldProcess(description, $"Create the CUR 2.0 data export '{name}' in {destination}?", "New-BedrockCostExport"))
                .ConfigureAwait(false))
            return;
        Activity = $"creating the data export '{name}'";
        using var client = LeanExport.CreateClient(connection);
        var created = await LeanExport.CreateAsync(client, name, destination, s3Region, Description, CancelToken).ConfigureAwait(false);
        EmitVerbose($"Created {created.ExportArn}. AWS delivers the first files within 24 hours, then refreshes them up to three times a day.");
        Emit(created);
    }
}

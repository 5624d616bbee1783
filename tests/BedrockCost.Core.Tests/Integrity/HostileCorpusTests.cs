using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>
/// Runs every case of <see cref="HostileCorpus"/> in a child process of its own (the corpus runner) and asserts its
/// exact outcome, that it ended within 10 s (a hang detector, not a speed test) and that the child's peak working set,
/// which it reads itself from the OS when it is done, stayed under 1 GiB.
/// </summary>
public class HostileCorpusTests(ITestOutputHelper output)
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(10);
    private const long MemoryLimit = 1L << 30;

    public static IEnumerable<object[]> Cases => HostileCorpus.All.Select(c => new object[] { c.Name });

    [Fact]
    public void The_corpus_holds_at_least_40_cases_with_unique_names()
    {
        Assert.True(HostileCorpus.All.Length >= 40, $"{HostileCorpus.All.Length} cases");
        Assert.Equal(HostileCorpus.All.Length, HostileCorpus.All.Select(c => c.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_input(string name)
    {
        var c = HostileCorpus.All.Single(x => x.Name == name);
        using var ws = new Workspace();
        var (request, expect) = await c.Build(ws);
        var clock = Stopwatch.StartNew();
        var outcome = await RunAsync(ws, request);
        // Measured, for the record (the bounds below are hang and runaway detectors, not speed targets).
        output.WriteLine($"{name} (item {c.Item}): {outcome["outcome"]} {outcome["errorId"]} in {clock.Elapsed.TotalSeconds:0.00} s, peak {outcome["peakWorkingSet"]!.GetValue<long>() / 1048576.0:0} MiB");

        Assert.True(outcome["outcome"]!.GetValue<string>() != "unexpected", $"{name}: an exception that is not the module's own: {outcome["message"]}");
        if (expect.ErrorId is not null)
        {
            Assert.True(outcome["outcome"]!.GetValue<string>() == "error", $"{name}: expected {expect.ErrorId}, got {outcome.ToJsonString()}");
            Assert.Equal(expect.ErrorId, outcome["errorId"]!.GetValue<string>());
            Assert.Equal(expect.Kind, outcome["kind"]!.GetValue<string>());
            foreach (var text in expect.MessageHolds) Assert.Contains(text, outcome["message"]!.GetValue<string>());
        }
        else
        {
            Assert.True(outcome["outcome"]!.GetValue<string>() == "result", $"{name}: expected a result, got {outcome.ToJsonString()}");
            var totals = outcome["totals"]!.AsArray();
            Assert.Single(totals);
            var total = decimal.Parse(totals[0]!["unblended"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(total - expect.Total!.Value) < 0.000001m, $"{name}: total {total}, truth {expect.Total}");
            Assert.Equal(total, decimal.Parse(outcome["rowsSum"]!.GetValue<string>(), CultureInfo.InvariantCulture));
            Assert.Equal(expect.LeftOut, outcome["lineItemsLeftOut"]!.GetValue<long>());
            var reconciliation = outcome["reconciliation"]!.GetValue<string>();
            if (expect.LeftOut > 0) Assert.Contains($"INCOMPLETE: {expect.LeftOut:N0} Bedrock line item(s)", reconciliation);
            else Assert.DoesNotContain("INCOMPLETE", reconciliation);
        }
        var errors = outcome["errors"]!.AsArray().Select(e => e!["errorId"]!.GetValue<string>()).Order().ToArray();
        Assert.Equal(expect.Errors.Order().ToArray(), errors);
        if (expect.ErrorId is null && expect.MessageHolds.Length > 0)
            foreach (var text in expect.MessageHolds) Assert.Contains(text, outcome["errors"]![0]!["message"]!.GetValue<string>());
        if (expect.Warning is not null)
            Assert.Contains(outcome["warnings"]!.AsArray(), w => w!.GetValue<string>().Contains(expect.Warning, StringComparison.Ordinal));
        var peak = outcome["peakWorkingSet"]!.GetValue<long>();
        Assert.True(peak > 0 && peak < MemoryLimit, $"{name}: peak working set {peak:N0} bytes");
        expect.After?.Invoke(outcome);
    }

    /// <summary>Runs the corpus runner on the request; fails when it has not ended within <see cref="HangLimit"/>.</summary>
    private static async Task<JsonObject> RunAsync(Workspace ws, JsonObject request)
    {
        var file = ws.Path("request.json");
        await File.WriteAllTextAsync(file, request.ToJsonString());
        var runner = Path.Combine(AppContext.BaseDirectory, "BedrockCost.CorpusRunner.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(runner);
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var hang = new CancellationTokenSource(HangLimit);
        try
        {
            await process.WaitForExitAsync(hang.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The case did not end within {HangLimit.TotalSeconds} s (a hang).");
        }
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"runner exit {process.ExitCode}: {await stderr}{output}");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
    }
}

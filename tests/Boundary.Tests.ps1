# The cmdlet boundary: every cmdlet ends when downstream stops reading (Select-Object -First 1) or the user
# presses Ctrl+C, and an exception that is not the module's own reaches the user as UnexpectedError.
# Each case runs in a child pwsh under a generous hang detector: a hang fails the test instead of the run.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:HangSeconds = 60
    $script:Temp = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-boundary-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $Temp
    $script:Fake = & (Join-Path $RepoRoot 'tests/tools/Start-FakeCostExplorer.ps1') -BuildPath (Join-Path $Temp 'fakece') -PageSize 1 -ThrottleFirst 0
    $script:AthenaFake = Start-FakeAws athena '--export', "cid_data_export.cur2=$SamplePath", '--throttle', 'none', '--page-size', '5', '--region', 'eu-west-1'

    function Invoke-Bounded([string]$Script) {
        # Runs $Script in a fresh pwsh that has imported the module; its last output line is JSON. A child
        # still running after $HangSeconds is killed and the test fails: it hung.
        $file = Join-Path $Temp "case-$([guid]::NewGuid()).ps1"
        Set-Content -LiteralPath $file -Value "`$ErrorActionPreference = 'Stop'`nImport-Module '$ModulePath'`n$Script"
        $psi = [System.Diagnostics.ProcessStartInfo]::new($PwshCommand[0])
        foreach ($a in @($PwshCommand | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($psi)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($HangSeconds * 1000)) {
                $process.Kill($true)
                throw "The command did not end within $HangSeconds s (it hangs): $Script"
            }
            $process.WaitForExit()
            if ($process.ExitCode -ne 0) { throw "The child pwsh failed ($($process.ExitCode)): $($stderr.Result)$($stdout.Result)" }
            ($stdout.Result -split "`n" | Where-Object { $_.Trim() } | Select-Object -Last 1) | ConvertFrom-Json
        }
        finally { $process.Dispose() }
    }

    $script:Aws = "-EndpointUrl '$($Fake.Url)' -AccessKey '$($Fake.AccessKey)' -SecretKey '$($Fake.SecretKey)'"
    $script:Athena = "-Athena -EndpointUrl '$($AthenaFake.Url)' -AccessKey '$($AthenaFake.AccessKey)' -SecretKey '$($AthenaFake.SecretKey)' -Region eu-west-1"
    $script:Sample = $SamplePath
    # A loose file next to the export: Get-BedrockCostExport then lists two exports.
    $script:Loose = Join-Path $Temp 'loose.parquet'
    Copy-Item -LiteralPath (Join-Path $Sample 'data/BILLING_PERIOD=2026-06/bedrock-cur-00001.snappy.parquet') -Destination $Loose
}

AfterAll {
    if ($Fake) { $Fake.Stop() }
    Stop-FakeAws $AthenaFake
    Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Select-Object -First 1 after <Name>' -ForEach @(
    @{ Name = 'Get-BedrockCostByPrincipal'; Command = "Get-BedrockCostByPrincipal -Path '<sample>' -GroupBy Principal, Model, TokenType, Day"; Type = 'BedrockCost.Core.PrincipalCost' }
    @{ Name = 'Get-BedrockCostByPrincipal -CostExplorer'; Command = "Get-BedrockCostByPrincipal -CostExplorer <aws> -BillingPeriod 2026-05 -GroupBy Model, Day"; Type = 'BedrockCost.Core.PrincipalCost' }
    @{ Name = 'Get-BedrockCostByPrincipal -Athena'; Command = "Get-BedrockCostByPrincipal <athena> -BillingPeriod 2026-05 -GroupBy Principal, Model, Day"; Type = 'BedrockCost.Core.PrincipalCost' }
    @{ Name = 'ConvertTo-BedrockChargeback'; Command = "ConvertTo-BedrockChargeback -Path '<sample>'"; Type = 'BedrockCost.Core.Allocation.ChargebackLine' }
    @{ Name = 'Export-BedrockChargeback'; Command = "Export-BedrockChargeback -Path '<sample>' -Format Csv, Json, Html -Destination '<out>' -Force"; Type = 'System.IO.FileInfo' }
    @{ Name = 'Get-BedrockCostExport'; Command = "Get-BedrockCostExport -Path '<sample>', '<loose>'"; Type = 'BedrockCost.Core.CostExport' }
    @{ Name = 'Get-BedrockCostAnomaly'; Command = "Get-BedrockCostAnomaly -Path '<sample>' -Sensitivity 1"; Type = 'BedrockCost.Core.Insights.CostAnomaly' }
    @{ Name = 'Get-BedrockCostForecast'; Command = "Get-BedrockCostForecast -Path '<sample>'"; Type = 'BedrockCost.Core.Insights.CostForecast' }
    @{ Name = 'Get-BedrockPrincipalTag'; Command = "Get-BedrockPrincipalTag <aws>"; Type = 'BedrockCost.Core.Sources.PrincipalTag' }
    @{ Name = 'Enable-BedrockPrincipalTag'; Command = "Enable-BedrockPrincipalTag -TagKey cost-center, project <aws> -PassThru -Confirm:`$false"; Type = 'BedrockCost.Core.Sources.PrincipalTag' }
) {
    It 'ends with one object, and the command alone gives more' {
        $out = Join-Path $Temp ([guid]::NewGuid())
        $command = $Command.Replace('<sample>', $Sample).Replace('<aws>', $Aws).Replace('<athena>', $Athena).Replace('<out>', $out).Replace('<loose>', $Loose)
        $result = Invoke-Bounded @"
`$all = @($command)
`$first = @($command | Select-Object -First 1)
[pscustomobject]@{ All = `$all.Count; First = `$first.Count; Type = `$first[0].PSObject.TypeNames[0] } | ConvertTo-Json -Compress
"@
        $result.All | Should -BeGreaterThan 1 -Because 'the control: without Select-Object the command writes several objects'
        $result.First | Should -Be 1
        $result.Type | Should -Be $Type
    }
}

Describe 'Stopping Export-BedrockChargeback mid-read (Ctrl+C)' {
    BeforeAll {
        # The sample's June files in a folder of this test's own: the checkpoint holds reads of these files only.
        $script:Reading = Join-Path $Temp 'reading'
        $null = New-Item -ItemType Directory -Path $Reading
        Get-ChildItem -LiteralPath (Join-Path $Sample 'data/BILLING_PERIOD=2026-06') -Filter *.parquet | Where-Object Length -GT 0 |
            Copy-Item -Destination $Reading
    }

    It 'stops when the read has started, writes no file and no error' {
        $out = Join-Path $Temp 'stopped'
        $result = Invoke-Bounded @"
. '$(Join-Path $PSScriptRoot 'common.ps1')'
# The read is held at the engine's test checkpoint until stopped: the stop always lands mid-read, whatever the timing.
`$hold = Enable-Checkpoint CurFileRead '$Reading'
`$ps = [powershell]::Create()
`$null = `$ps.AddCommand('Import-Module').AddParameter('Name', '$ModulePath').Invoke()
`$ps.Commands.Clear()
`$null = `$ps.AddCommand('Export-BedrockChargeback').AddParameter('LiteralPath', '$Reading').AddParameter('BillingPeriod', '2026-06').AddParameter('Destination', '$out')
`$output = [System.Management.Automation.PSDataCollection[psobject]]::new()
`$noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
`$noInput.Complete()
`$async = `$ps.BeginInvoke(`$noInput, `$output)
`$started = `$hold.Reached.Wait([TimeSpan]::FromSeconds($HangSeconds))
`$running = -not `$async.IsCompleted
`$ps.Stop()
`$hold.Dispose()
[pscustomobject]@{
    Started = `$started
    Running = `$running
    State = "`$(`$ps.InvocationStateInfo.State)"
    Output = `$output.Count
    Errors = @(`$ps.Streams.Error | ForEach-Object { "`$(`$_.FullyQualifiedErrorId): `$_" })
    Files = @(Get-ChildItem -LiteralPath '$out' -Recurse -Force -ErrorAction Ignore | ForEach-Object Name)
} | ConvertTo-Json -Compress
"@
        $result.Started | Should -BeTrue -Because 'the export must have started reading'
        $result.Running | Should -BeTrue -Because 'the read is held until stopped'
        $result.State | Should -Be 'Stopped'
        $result.Output | Should -Be 0
        $result.Errors | Should -BeNullOrEmpty
        $result.Files | Should -BeNullOrEmpty -Because 'no report, and no partial file, is written by a stopped export'
    }
}

Describe 'Errors that are not the module''s own' {
    It 'reports a path on another provider as PathNotFileSystem, for -Path and -LiteralPath' {
        $err = $null
        $null = Get-BedrockCostByPrincipal -Path Env:\PATH -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFileSystem,BedrockCost.Commands.GetBedrockCostByPrincipal'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $null = Get-BedrockCostByPrincipal -LiteralPath Env:\PATH -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'PathNotFileSystem,BedrockCost.Commands.GetBedrockCostByPrincipal'
        { Export-BedrockChargeback -Path $Sample -Destination Function:\report.html -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFileSystem,BedrockCost.Commands.ExportBedrockChargeback'
    }

    It 'turns any other exception into UnexpectedError: what was being done, the original inside, no stack trace' {
        # An -AsOf before year 1 + the history window cannot be represented as a date: today a raw .NET
        # exception inside the module (it is not a user error the module explains yet), so it shows the boundary.
        $e = { Get-BedrockCostForecast -Path $Sample -AsOf 0001-01-02 -ErrorAction Stop } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'UnexpectedError,BedrockCost.Commands.GetBedrockCostForecast'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument' -Because 'the category follows the exception (ArgumentOutOfRangeException)'
        $e.Exception.Message | Should -Match 'Unexpected error while .*Get-BedrockCostForecast.*please report it'
        $e.Exception.Message | Should -Not -Match '\bat [\w.]+\('
        $e.Exception.InnerException.GetType().Name | Should -Be 'ArgumentOutOfRangeException'
    }
}

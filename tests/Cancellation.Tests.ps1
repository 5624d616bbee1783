# Ctrl+C: stopping a running command ends it quietly (no error record, no output, no partial file). The work is held
# at a test-only checkpoint of the engine (Enable-Checkpoint, common.ps1) until the test stops it, so the stop always
# lands mid-read or mid-write: no sleeps, no timing thresholds (waits are hang detectors only).

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-cancel-$([guid]::NewGuid())"
    $script:Data = Join-Path $Work 'data'
    $null = New-Item -ItemType Directory -Path $Data
    # The sample's June files as loose files in a folder of the test's own (the checkpoints hold only work on it).
    Get-ChildItem -LiteralPath (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-06') -Filter *.parquet | Where-Object Length -GT 0 |
        Copy-Item -Destination $Data


    # Runs one command in a new runspace of this process (the module imported first, in its own invocation: a
    # stopped multi-statement invocation reports PipelineStopped itself).
    function script:Start-Command([string]$Name, [hashtable]$Parameters) {
        $ps = [powershell]::Create()
        $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModulePath).Invoke()
        $ps.Commands.Clear()
        $null = $ps.AddCommand($Name).AddParameters($Parameters)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $noInput.Complete()
        [pscustomobject]@{ PowerShell = $ps; Output = $output; Async = $ps.BeginInvoke($noInput, $output) }
    }

    function script:Stop-Command($Command) {
        $stop = $Command.PowerShell.BeginStop($null, $null)
        # A hang detector, not a speed limit: a stop that never ends fails here instead of hanging the run.
        $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromMinutes(2)) | Should -BeTrue -Because 'the stopped command must end'
        $Command.PowerShell.EndStop($stop)
    }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Stopping Get-BedrockCostByPrincipal' {
    It 'stops mid-read without an error record or output' {
        $hold = Enable-Checkpoint CurFileRead $Data
        $command = Start-Command Get-BedrockCostByPrincipal @{ LiteralPath = $Data }
        try {
            $hold.Reached.Wait([TimeSpan]::FromMinutes(2)) | Should -BeTrue -Because 'the read must start'
            $command.Async.IsCompleted | Should -BeFalse -Because 'the read is held at its checkpoint until stopped'
            Stop-Command $command
            $command.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            $command.Output.Count | Should -Be 0
            ($command.PowerShell.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }) -join "`n" | Should -BeNullOrEmpty
        }
        finally { $hold.Dispose(); $command.PowerShell.Dispose() }
    }

    It 'reads the same files completely when not stopped' {
        # The control: the same files do produce the sample's June figures, so the empty result above is the stop's doing.
        $rows = @(Get-BedrockCostByPrincipal -LiteralPath $Data)
        Get-DecimalSum $rows | Should -Be (Get-Truth 2026-06).bedrock.unblendedCost
    }
}

Describe 'Stopping Export-BedrockChargeback' {
    It 'stops mid-write and leaves no file, temporary or partial, in the destination' {
        $destination = Join-Path $Work 'reports'
        $null = New-Item -ItemType Directory -Path $destination
        $hold = Enable-Checkpoint ReportWritten $destination
        $command = Start-Command Export-BedrockChargeback @{ LiteralPath = $Data; Destination = $destination; Format = 'Csv', 'Json', 'Html' }
        try {
            $hold.Reached.Wait([TimeSpan]::FromMinutes(2)) | Should -BeTrue -Because 'the export must reach its first file'
            # Mid-write: the first report sits complete in its temporary file, not yet renamed.
            @(Get-ChildItem -LiteralPath $destination -Force).Name | Should -BeLike '.bedrock-chargeback-2026-06.*.tmp'
            Stop-Command $command
            $command.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            $command.Output.Count | Should -Be 0
            ($command.PowerShell.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }) -join "`n" | Should -BeNullOrEmpty
            @(Get-ChildItem -LiteralPath $destination -Force) | Should -BeNullOrEmpty
        }
        finally { $hold.Dispose(); $command.PowerShell.Dispose() }
    }
}

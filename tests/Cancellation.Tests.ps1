# Ctrl+C: stopping a running command ends it quickly and quietly (no error record, no partial output).

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # Many copies of the sample's files as loose files: reading them all takes seconds, so the stop lands mid-read.
    $many = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-cancel-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $many
    $files = Get-ChildItem -LiteralPath (Join-Path $SamplePath 'data') -Recurse -Filter *.parquet | Where-Object Length -GT 0
    foreach ($i in 1..300) { foreach ($f in $files) { Copy-Item -LiteralPath $f.FullName -Destination (Join-Path $many "copy$i-$($f.Directory.Name)-$($f.Name)") } }
    # The control: the same data read to the end, and how long that takes.
    $full = Measure-Command { $script:rows = @(Get-BedrockCostByPrincipal -LiteralPath $many -BillingPeriod 2026-06) }
}

AfterAll {
    Remove-Item -LiteralPath $many -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Stopping Get-BedrockCostByPrincipal' {
    It 'stops mid-read without an error record or output' {
        $ps = [powershell]::Create()
        try {
            # Import first, in its own invocation: a stopped multi-statement invocation reports PipelineStopped itself.
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModulePath).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Get-BedrockCostByPrincipal').AddParameter('LiteralPath', $many).AddParameter('BillingPeriod', '2026-06')
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $noInput.Complete()
            $async = $ps.BeginInvoke($noInput, $output)
            # Wait until the read is under way (its progress record), then press "Ctrl+C".
            while ($ps.Streams.Progress.Count -eq 0 -and -not $async.IsCompleted -and $watch.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 20 }
            $ps.Streams.Progress.Count | Should -BeGreaterThan 0
            $async.IsCompleted | Should -BeFalse -Because 'the read must still be running when it is stopped'
            $stopWatch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            # Cancellation reaches the read: stopping takes a fraction of reading everything.
            $stopWatch.Elapsed.TotalSeconds | Should -BeLessThan ($full.TotalSeconds / 2)
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $output.Count | Should -Be 0
            ($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }) -join "`n" | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }

    It 'reads the same files completely when not stopped' {
        # The control: the same data does produce output, so the empty result above is the stop's doing.
        $rows.Count | Should -BeGreaterThan 0
        $full.TotalSeconds | Should -BeGreaterThan 0.5 -Because 'the data must take long enough to read for the stop to land mid-read'
    }
}

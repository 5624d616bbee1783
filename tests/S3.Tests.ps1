# Get-BedrockCostByPrincipal and Get-BedrockCostExport against a real S3-compatible server (s3rver on
# 127.0.0.1), with generated exports uploaded in both delivery modes.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $temp = Join-Path ([System.IO.Path]::GetTempPath()) "bc-s3-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $null = New-Item -ItemType Directory -Path $temp
    $cache = Join-Path $temp 'cache'

    # The generator and uploader, built once.
    $project = Join-Path $RepoRoot 'tests/tools/BedrockCost.TestData'
    & dotnet build $project -c Release --nologo -v:q -o (Join-Path $temp 'testdata') | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'TestData build failed.' }
    $testData = Join-Path $temp 'testdata/BedrockCost.TestData.dll'
    function Invoke-TestData {
        $out = & dotnet $testData @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "TestData $($args[0]) failed: $($out -join "`n")" }
    }

    # Overwrite export (two periods, an empty leftover chunk), create-new export (two executions per period).
    Invoke-TestData export --out (Join-Path $temp 'ow') --mode overwrite --name ow-cur --test-object
    Invoke-TestData export --out (Join-Path $temp 'cn') --mode create-new --executions 2 --name cn-cur
    # A restatement of the overwrite export: same keys, other content.
    Invoke-TestData export --out (Join-Path $temp 'ow2') --mode overwrite --name ow-cur --rows 400
    # The overwrite export rewritten by DuckDB (another writer), and as gzip CSV (read whole, not by ranges).
    Invoke-TestData duckdb --from (Join-Path $temp 'ow') --out (Join-Path $temp 'dk')
    Invoke-TestData export --out (Join-Path $temp 'csv') --mode overwrite --name csv-cur --format csv --periods 2026-05
    # An export made without the IAM principal setting.
    Invoke-TestData export --out (Join-Path $temp 'np') --mode overwrite --name np-cur --omit-principal --periods 2026-06

    $s3 = & (Join-Path $RepoRoot 'tests/tools/Start-S3rver.ps1')
    Invoke-TestData upload --endpoint $s3.Endpoint --bucket billing --dir (Join-Path $temp 'ow') --prefix cur --create-bucket
    Invoke-TestData upload --endpoint $s3.Endpoint --bucket billing --dir (Join-Path $temp 'cn') --prefix cur
    Invoke-TestData upload --endpoint $s3.Endpoint --bucket other --dir (Join-Path $temp 'np') --prefix exports --create-bucket
    Invoke-TestData upload --endpoint $s3.Endpoint --bucket ranged --dir (Join-Path $temp 'ow') --prefix pn --create-bucket
    Invoke-TestData upload --endpoint $s3.Endpoint --bucket ranged --dir (Join-Path $temp 'dk') --prefix duck
    Invoke-TestData upload --endpoint $s3.Endpoint --bucket ranged --dir (Join-Path $temp 'csv') --prefix csv

    $aws = @{ EndpointUrl = $s3.Endpoint; AccessKey = 'S3RVER'; SecretKey = 'S3RVER' }
    # The truth of each export: the expected.json the generator wrote beside it (not uploaded).
    function Get-ExportTruth([string]$Export, [string]$Period) { Get-Truth $Period -Path (Join-Path $temp "$Export/expected.json") }

    # Per principal and per unattributed reason, the rows equal the export's truth, and they add up to its Bedrock total.
    function Assert-ExportTruth($Rows, $Truth) {
        Assert-Groups @($Rows | Where-Object IsAttributed) { $args[0].Principal } $Truth.principals principal
        Assert-Groups @($Rows | Where-Object { -not $_.IsAttributed }) { $args[0].UnattributedReason } $Truth.unattributedReasons reason
        Get-DecimalSum $Rows | Should -Be $Truth.bedrock.unblendedCost
    }
    function Get-VerboseText($records) { ($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n" }
    function Get-CacheFiles { @(Get-ChildItem -LiteralPath $cache -Recurse -File -ErrorAction Ignore) }
}

AfterAll {
    if ($s3) { $s3.Stop() }
    if ($temp) { Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction Ignore }
}

Describe 'Get-BedrockCostByPrincipal from S3' {
    It 'returns the figures of the overwrite export truth' {
        foreach ($period in '2026-05', '2026-06') {
            $fromS3 = @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $cache -BillingPeriod $period)
            $fromS3.Count | Should -BeGreaterThan 1
            Assert-ExportTruth $fromS3 (Get-ExportTruth ow $period)
        }
    }

    It 'accepts -Bucket/-Prefix/-ExportName like -S3Uri' {
        $a = @(Get-BedrockCostByPrincipal -Bucket billing -Prefix cur -ExportName ow-cur @aws -CacheDirectory $cache -BillingPeriod 2026-05)
        $b = @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur/' @aws -CacheDirectory $cache -BillingPeriod 2026-05)
        Get-DecimalSum $a | Should -Be (Get-ExportTruth ow 2026-05).bedrock.unblendedCost
        Get-DecimalSum $b | Should -Be (Get-ExportTruth ow 2026-05).bedrock.unblendedCost
    }

    It 'counts only the latest execution of a create-new export' {
        foreach ($period in '2026-05', '2026-06') {
            $rows = @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/cn-cur' @aws -CacheDirectory $cache -BillingPeriod $period)
            Assert-ExportTruth $rows (Get-ExportTruth cn $period)
        }
    }

    It 'fetches nothing on a second run over the same month' {
        $null = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $cache -BillingPeriod 2026-06
        $stamps = Get-CacheFiles | ForEach-Object { "$($_.FullName)|$($_.LastWriteTimeUtc.Ticks)" }
        $second = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $cache -BillingPeriod 2026-06 -Verbose 4>&1
        Get-VerboseText $second | Should -Match 'Ranged reads: fetched 0 bytes in 0 request\(s\) of [\d,]+ bytes in \d+ Parquet object\(s\)'
        (Get-CacheFiles | ForEach-Object { "$($_.FullName)|$($_.LastWriteTimeUtc.Ticks)" }) | Should -Be $stamps
        Assert-ExportTruth @($second | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) (Get-ExportTruth ow 2026-06)
        Get-CacheFiles | Where-Object Name -Like '*.partial' | Should -BeNullOrEmpty
    }

    It 'says on Debug where credentials and region came from, never the secret' {
        $DebugPreference = 'Continue'
        $debug = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' -EndpointUrl $s3.Endpoint -AccessKey S3RVER -SecretKey S3RVER -Region eu-west-1 `
            -CacheDirectory $cache -BillingPeriod 2026-06 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
        $text = ($debug.Message -join "`n")
        $text | Should -Match 'credentials from the -AccessKey/-SecretKey parameters; region eu-west-1 from the -Region parameter'
        # The access key equals the secret here: neither value may appear.
        $text | Should -Not -Match 'S3RVER'
    }

    It 'leaves nothing behind with -NoCache' {
        $before = $env:BEDROCKCOST_CACHE
        $env:BEDROCKCOST_CACHE = Join-Path $temp 'default-cache'
        try {
            $tmpBefore = @(Get-ChildItem ([System.IO.Path]::GetTempPath()) -Filter 'BedrockCost-*' -ErrorAction Ignore).Count
            $rows = @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -NoCache -BillingPeriod 2026-05)
            $rows.Count | Should -BeGreaterThan 0
            Test-Path -LiteralPath $env:BEDROCKCOST_CACHE | Should -BeFalse
            @(Get-ChildItem ([System.IO.Path]::GetTempPath()) -Filter 'BedrockCost-*' -ErrorAction Ignore).Count | Should -Be $tmpBefore
        }
        finally { $env:BEDROCKCOST_CACHE = $before }
    }

    It 'fetches a restated (changed) object again and the result changes' {
        $old = @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $cache -BillingPeriod 2026-05)
        Get-DecimalSum $old | Should -Be (Get-ExportTruth ow 2026-05).bedrock.unblendedCost
        Invoke-TestData upload --endpoint $s3.Endpoint --bucket billing --dir (Join-Path $temp 'ow2') --prefix cur
        $records = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $cache -BillingPeriod 2026-05 -Verbose 4>&1
        Get-VerboseText $records | Should -Match 'Ranged reads: fetched [1-9][\d,]* bytes'
        # The restated month's own truth, not the first one's.
        Assert-ExportTruth @($records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) (Get-ExportTruth ow2 2026-05)
        (Get-ExportTruth ow2 2026-05).bedrock.unblendedCost | Should -Not -Be (Get-ExportTruth ow 2026-05).bedrock.unblendedCost
    }
}

Describe 'Parquet read from S3 by ranges' {
    BeforeAll {
        function ConvertTo-RowText($rows) {
            ($rows | ForEach-Object {
                    ($_.Principal, $_.Model, $_.TokenType, $_.Account, $_.Day, $_.UnattributedReason, $_.UnblendedCost, $_.NetUnblendedCost,
                    $_.InputTokens, $_.OutputTokens, $_.CacheReadTokens, $_.CacheWriteTokens, $_.LineItemCount, $_.Currency) -join '|'
                }) -join "`n"
        }
    }

    It 'gives exactly the results of the same files on disk, from either writer, fetching part of each object' -ForEach @(
        @{ Uri = 's3://ranged/pn/ow-cur'; Disk = 'ow/ow-cur'; Writer = 'Parquet.Net' }
        @{ Uri = 's3://ranged/duck/ow-cur'; Disk = 'dk/ow-cur'; Writer = 'DuckDB' }
    ) {
        $rangedCache = Join-Path $temp "ranged-$Writer"
        foreach ($groupBy in @('Principal'), @('Principal', 'Model', 'TokenType'), @('Account', 'Day')) {
            $records = Get-BedrockCostByPrincipal -S3Uri $Uri @aws -CacheDirectory $rangedCache -BillingPeriod 2026-05 -GroupBy $groupBy -Verbose 4>&1
            $fromS3 = @($records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $fromDisk = @(Get-BedrockCostByPrincipal -LiteralPath (Join-Path $temp $Disk) -BillingPeriod 2026-05 -GroupBy $groupBy)
            $fromS3.Count | Should -BeGreaterThan 1
            ConvertTo-RowText $fromS3 | Should -BeExactly (ConvertTo-RowText $fromDisk) -Because "$Writer by $($groupBy -join ',')"
            Get-VerboseText $records | Should -Match 'Ranged reads: fetched [\d,]+ bytes in \d+ request\(s\) of [\d,]+ bytes in [1-9]\d* Parquet object\(s\)'
        }
        # Every range the queries needed is cached: the same queries again fetch nothing and give the same rows.
        foreach ($groupBy in @('Principal'), @('Principal', 'Model', 'TokenType'), @('Account', 'Day')) {
            $records = Get-BedrockCostByPrincipal -S3Uri $Uri @aws -CacheDirectory $rangedCache -BillingPeriod 2026-05 -GroupBy $groupBy -Verbose 4>&1
            Get-VerboseText $records | Should -Match 'Ranged reads: fetched 0 bytes in 0 request\(s\)'
            ConvertTo-RowText @($records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) |
                Should -BeExactly (ConvertTo-RowText @(Get-BedrockCostByPrincipal -LiteralPath (Join-Path $temp $Disk) -BillingPeriod 2026-05 -GroupBy $groupBy))
        }
        @(Get-ChildItem -LiteralPath $rangedCache -Recurse -Filter '*.range').Count | Should -BeGreaterThan 0
    }

    It 'downloads gzip CSV objects whole, as before' {
        $records = Get-BedrockCostByPrincipal -S3Uri 's3://ranged/csv/csv-cur' @aws -CacheDirectory (Join-Path $temp 'csv-cache') -BillingPeriod 2026-05 -Verbose 4>&1
        Get-VerboseText $records | Should -Match 'Downloaded [1-9]\d* file\(s\)'
        Get-VerboseText $records | Should -Not -Match 'Ranged reads'
        ConvertTo-RowText @($records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) |
            Should -BeExactly (ConvertTo-RowText @(Get-BedrockCostByPrincipal -LiteralPath (Join-Path $temp 'csv/csv-cur') -BillingPeriod 2026-05))
    }
}

Describe 'S3 errors' {
    It 'reports a missing bucket as S3BucketNotFound' {
        $err = $null
        $null = Get-BedrockCostByPrincipal -S3Uri 's3://no-such-bucket/cur' @aws -CacheDirectory $cache -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'S3BucketNotFound,BedrockCost.Commands.GetBedrockCostByPrincipal'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'reports refused credentials (HTTP 403) as AwsAccessDenied without the secret' {
        # s3rver answers an unknown access key with 403 InvalidAccessKeyId (it does not check secrets).
        $err = $null
        $null = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' -EndpointUrl $s3.Endpoint -AccessKey AKIAUNKNOWN -SecretKey 'wrong-secret-value' `
            -CacheDirectory $cache -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AwsAccessDenied,BedrockCost.Commands.GetBedrockCostByPrincipal'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($err[0])" | Should -Not -Match 'wrong-secret-value'
    }

    It 'reports a missing profile as AwsProfileNotFound' {
        $profiles = Join-Path $temp 'credentials'
        Set-Content -LiteralPath $profiles -Value "[billing]`naws_access_key_id = S3RVER`naws_secret_access_key = S3RVER"
        $err = $null
        $null = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' -EndpointUrl $s3.Endpoint -ProfileName nope -ProfilesLocation $profiles `
            -CacheDirectory $cache -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AwsProfileNotFound,BedrockCost.Commands.GetBedrockCostByPrincipal'
        # The profile that exists works.
        @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' -EndpointUrl $s3.Endpoint -ProfileName billing -ProfilesLocation $profiles `
                -CacheDirectory $cache -BillingPeriod 2026-06).Count | Should -BeGreaterThan 0
    }

    It 'reports an unreachable endpoint as AwsNetworkError' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $err = $null
        $null = Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur' -EndpointUrl "http://127.0.0.1:$port" -AccessKey a -SecretKey b `
            -CacheDirectory $cache -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AwsNetworkError,BedrockCost.Commands.GetBedrockCostByPrincipal'
    }

    It 'rejects a malformed -S3Uri with a terminating AwsInvalidParameter' {
        { Get-BedrockCostByPrincipal -S3Uri 'https://billing/cur' @aws } | Should -Throw -ErrorId 'AwsInvalidParameter,BedrockCost.Commands.GetBedrockCostByPrincipal'
    }
}

Describe 'Get-BedrockCostExport' {
    It 'lists the exports of a bucket with their layout facts' {
        $exports = @(Get-BedrockCostExport -S3Uri 's3://billing/cur' @aws -CacheDirectory $cache -WarningVariable warn -WarningAction SilentlyContinue)
        $exports.ExportName | Sort-Object | Should -Be @('cn-cur', 'ow-cur')
        $cn = $exports | Where-Object ExportName -EQ 'cn-cur'
        $cn.Mode | Should -Be 'CreateNew'
        $cn.Format | Should -Be 'Parquet'
        $cn.BillingPeriods | Should -Be @('2026-05', '2026-06')
        $cn.S3Uri | Should -Be 's3://billing/cur/cn-cur'
        $cn.Files | Should -Be 4
        $cn.IgnoredFiles | Should -BeGreaterThan 0
        $cn.HasPrincipalData | Should -BeTrue
        $cn.PrincipalLineItems | Should -BeGreaterThan 0
        $cn.HasTags | Should -BeTrue
        $cn.PrincipalTagKeys | Should -Contain 'iamPrincipal/team'
        $cn.LastDelivery | Should -BeOfType [datetime]
        ($exports | Where-Object ExportName -EQ 'ow-cur').Mode | Should -Be 'Overwrite'
        $warn | Should -BeNullOrEmpty
    }

    It 'warns about an export without the principal column' {
        $e = Get-BedrockCostExport -Bucket other -Prefix exports @aws -CacheDirectory $cache -WarningVariable warn -WarningAction SilentlyContinue
        $e.HasPrincipalData | Should -BeFalse
        ($warn -join "`n") | Should -Match 'no line_item_iam_principal column.*INCLUDE_IAM_PRINCIPAL_DATA'
        $e.Problems | Should -Not -BeNullOrEmpty
    }

    It 'describes the same export on disk the same way' {
        $disk = Get-BedrockCostExport -LiteralPath (Join-Path $temp 'cn/cn-cur')
        $s3e = Get-BedrockCostExport -S3Uri 's3://billing/cur/cn-cur' @aws -CacheDirectory $cache
        foreach ($p in 'ExportName', 'Mode', 'Format', 'Files', 'Size', 'IgnoredFiles', 'HasPrincipalData', 'PrincipalLineItems', 'HasTags') {
            $s3e.$p | Should -Be $disk.$p -Because $p
        }
        $s3e.PrincipalTagKeys | Should -Be $disk.PrincipalTagKeys
        $s3e.BillingPeriods | Should -Be $disk.BillingPeriods
    }

    It 'pipes into Get-BedrockCostByPrincipal by property name' {
        $rows = @(Get-BedrockCostExport -S3Uri 's3://billing/cur/cn-cur' @aws -CacheDirectory $cache |
                Get-BedrockCostByPrincipal @aws -CacheDirectory $cache -BillingPeriod 2026-05 -ErrorAction Stop)
        Assert-ExportTruth $rows (Get-ExportTruth cn 2026-05)
    }

    It 'shows the table view' {
        $text = Get-BedrockCostExport -S3Uri 's3://billing/cur/cn-cur' @aws -CacheDirectory $cache | Out-String
        $text | Should -Match 'ExportName\s+Mode\s+Format'
        $text | Should -Match 'cn-cur\s+CreateNew\s+Parquet'
    }
}

Describe 'S3 download cache safety (issue 10)' {
    BeforeAll {
        $script:safeCache = Join-Path $temp 'safe-cache'
        $folder = Join-Path $safeCache 'ab'
        $null = New-Item -ItemType Directory -Path $folder -Force
        # A stale temporary file of the module's own shape, and a user's file that merely ends in .partial.
        $script:ownStale = Join-Path $folder ('0123456789abcdef0123456789abcdef-e-00001.snappy.parquet.' + ('0' * 32) + '.partial')
        $script:thesis = Join-Path $safeCache 'thesis.docx.partial'
        foreach ($f in $ownStale, $thesis) {
            Set-Content -LiteralPath $f -Value 'x'
            (Get-Item -LiteralPath $f).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-3)
        }
    }

    It 'downloads nothing and removes nothing under Export-BedrockChargeback -WhatIf' {
        $out = Join-Path $temp 'whatif-out'
        # -WhatIf's lines go to the host: a transcript keeps them.
        $transcript = Join-Path $temp 'whatif-transcript.txt'
        $null = Start-Transcript -LiteralPath $transcript
        try { $records = Export-BedrockChargeback -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $safeCache -Destination $out -WhatIf -Verbose 4>&1 }
        finally { $null = Stop-Transcript }
        $whatIf = @(Get-Content -LiteralPath $transcript | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 4
        $whatIf | Should -Match '^What if: Performing the operation "Write the (Csv|Json|Html) chargeback statement" on target ".*bedrock-chargeback-2026-06(-summary)?\.(csv|json|html)"\.$'
        @($records | Where-Object { $_ -is [System.IO.FileInfo] }) | Should -BeNullOrEmpty
        Get-VerboseText $records | Should -Match '-WhatIf: nothing was downloaded\. A run would download \(unless cached\) and read up to \d+ data file\(s\).* for billing period\(s\) 2026-06'
        Test-Path -LiteralPath $out | Should -BeFalse
        @(Get-ChildItem -LiteralPath $safeCache -Recurse -File).FullName | Sort-Object | Should -Be (@($ownStale, $thesis) | Sort-Object)
    }

    It 'removes only its own stale temporary files when it runs for real' {
        $rows = @(Get-BedrockCostByPrincipal -S3Uri 's3://billing/cur/ow-cur' @aws -CacheDirectory $safeCache -BillingPeriod 2026-06)
        $rows.Count | Should -BeGreaterThan 0
        Test-Path -LiteralPath $ownStale | Should -BeFalse
        Test-Path -LiteralPath $thesis | Should -BeTrue
        # Whole objects are named by hash and an ASCII stem, in two-hex-digit folders; ranges of a Parquet object are
        # named by their offsets only, in the object's range folder (hash, ASCII stem, '-ranges') under ranges/<two hex>.
        $files = @(Get-ChildItem -LiteralPath $safeCache -Recurse -File | Where-Object FullName -NE $thesis)
        $ranges = @($files | Where-Object Name -Like '*.range')
        $ranges.Count | Should -BeGreaterThan 0
        foreach ($f in $files) {
            if ($f.Name -like '*.range') {
                $f.Name | Should -Match '^\d{1,19}-\d{1,19}\.range$'
                $f.Directory.Name | Should -Match '^[0-9a-f]{32}-[A-Za-z0-9._-]+-ranges$'
                [System.Text.Encoding]::UTF8.GetByteCount($f.Directory.Name) | Should -BeLessOrEqual 100
                $f.Directory.Parent.Name | Should -Match '^[0-9a-f]{2}$'
                $f.Directory.Parent.Parent.FullName | Should -Be (Join-Path $safeCache 'ranges')
            }
            else {
                $f.Directory.Name | Should -Match '^[0-9a-f]{2}$'
                $f.Directory.Parent.FullName | Should -Be $safeCache
                $f.Name | Should -Match '^[0-9a-f]{32}-[A-Za-z0-9._-]+$'
                [System.Text.Encoding]::UTF8.GetByteCount($f.Name) | Should -BeLessOrEqual 100
            }
        }
    }
}

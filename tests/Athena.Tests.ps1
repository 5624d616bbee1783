# The Athena source of every cost cmdlet, against a local Athena (tests/tools/BedrockCost.FakeAws athena) that speaks
# JSON 1.1, checks SigV4, moves each query from QUEUED to RUNNING to done, executes the SQL it receives with DuckDB over
# the sample export registered as cid_data_export.cur2, pages results, throttles once, fails queries on one table and
# never finishes queries on another. The rows are compared with the same command reading the sample's files (-Path).

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # June of the sample with a NaN cost on every fifth AmazonBedrock line item, written by DuckDB.
    $script:Dirty = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-athena-nan-$([guid]::NewGuid())"
    $june = @(Get-ChildItem -LiteralPath (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-06') -Filter *.parquet | Where-Object Length -GT 0 | ForEach-Object { "'$($_.FullName)'" })
    $target = New-Item -ItemType Directory -Path (Join-Path $Dirty 'data/BILLING_PERIOD=2026-06')
    Invoke-DuckDb "COPY (SELECT * EXCLUDE (n) REPLACE (CASE WHEN line_item_product_code = 'AmazonBedrock' AND n % 5 = 0 THEN 'NaN'::DOUBLE ELSE line_item_unblended_cost END AS line_item_unblended_cost) FROM (SELECT *, row_number() OVER () AS n FROM read_parquet([$($june -join ', ')], union_by_name = true))) TO '$(Join-Path $target 'part-00001.parquet')' (FORMAT parquet)"
    $fake = Start-FakeAws athena '--export', "cid_data_export.cur2=$SamplePath", '--export', "cid_data_export.broken=$SamplePath",
        '--export', "cid_data_export.slow=$SamplePath", '--export', "cid_data_export.nan=$Dirty", '--fail', 'broken', '--hang', 'slow', '--page-size', '25', '--region', 'eu-west-1'
    $athena = @{ Athena = $true; EndpointUrl = $fake.Url; AccessKey = $fake.AccessKey; SecretKey = $fake.SecretKey; Region = 'eu-west-1' }

    # Every property but Source, decimals by value, so rows from both sources compare as text.
    function ConvertTo-RowText($Rows) {
        foreach ($r in $Rows) {
            ($r.PSObject.Properties | Where-Object Name -NE 'Source' | ForEach-Object {
                $v = $_.Value
                $t = if ($v -is [decimal]) { $v.ToString('G29', [cultureinfo]::InvariantCulture) }
                elseif ($v -is [datetime]) { $v.ToString('o') }
                elseif ($v -is [System.Collections.IDictionary]) { ($v.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';' }
                elseif ($v -is [System.Collections.IEnumerable] -and $v -isnot [string]) { @($v) -join ',' }
                else { "$v" }
                "$($_.Name)=$t"
            }) -join '|'
        }
    }
}

AfterAll {
    Stop-FakeAws $fake
    Remove-Item -LiteralPath $Dirty -Recurse -Force -ErrorAction Ignore
}

Describe 'The Athena source gives the rows of the files' {
    It 'Get-BedrockCostByPrincipal <Name>' -ForEach @(
        @{ Name = 'by principal, latest period'; Query = @{} }
        @{ Name = 'by model and token type'; Query = @{ GroupBy = 'Model', 'TokenType'; BillingPeriod = '2026-05', '2026-06' } }
        @{ Name = 'by team tag, net cost'; Query = @{ GroupBy = 'iamPrincipal/team'; CostBasis = 'NetUnblended'; BillingPeriod = '2026-06' } }
        @{ Name = 'with filters'; Query = @{ Principal = '*:user/*'; Model = 'Claude*'; Tag = @{ team = '*' }; BillingPeriod = '2026-05' } }
        @{ Name = 'by person and day over dates'; Query = @{ GroupBy = 'Person', 'Day'; StartDate = '2026-05-25'; EndDate = '2026-06-04' } }
    ) {
        $files = @(Get-BedrockCostByPrincipal -Path $SamplePath @Query)
        $verbose = $null
        $rows = @(Get-BedrockCostByPrincipal @athena @Query -Verbose 4>&1 | Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $files.Count | Should -BeGreaterThan 0
        ConvertTo-RowText $rows | Should -Be (ConvertTo-RowText $files)
        $rows.Source | Sort-Object -Unique | Should -Be 'Athena'
        ($verbose | Where-Object { $_ -like 'Reconciliation*' }) | Should -Match 'difference 0'
        # Query id, data scanned and its price at $5 per TB, 10 MB minimum.
        @($verbose | Where-Object { $_ -match '^Athena query [0-9a-f-]{36}: [\d.]+ (MB|bytes) scanned, billed [\d.]+ MB = \$0\.\d{6} at \$5 per TB scanned \(10 MB minimum per query\)' }).Count |
            Should -BeGreaterThan 0
    }

    It 'ConvertTo-BedrockChargeback gives the same statement' {
        $files = @(ConvertTo-BedrockChargeback -Path $SamplePath -BillingPeriod 2026-06 -CostCenterTag team -UnallocatedPolicy Proportional)
        $lines = @(ConvertTo-BedrockChargeback @athena -BillingPeriod 2026-06 -CostCenterTag team -UnallocatedPolicy Proportional)
        $files.Count | Should -BeGreaterThan 0
        ConvertTo-RowText $lines | Should -Be (ConvertTo-RowText $files)
    }

    It 'allocates from the natural pipeline: rows per principal read their tag from Athena when a chargeback asks' {
        $files = @(Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2026-06 | ConvertTo-BedrockChargeback -CostCenterTag team -UnallocatedPolicy Proportional)
        $lines = @(Get-BedrockCostByPrincipal @athena -BillingPeriod 2026-06 | ConvertTo-BedrockChargeback -CostCenterTag team -UnallocatedPolicy Proportional -WarningVariable warnings)
        $warnings | Should -BeNullOrEmpty
        ($lines | Where-Object LineType -EQ 'Direct').CostCenter | Should -Not -Contain '(unallocated)'
        ConvertTo-RowText $lines | Should -Be (ConvertTo-RowText $files)
    }

    It 'writes the statement of two periods and its FOCUS dataset as from the files (payer accounts, tokens, periods)' {
        $out = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-athena-statement-$([guid]::NewGuid())"
        try {
            $common = @{ BillingPeriod = '2026-05', '2026-06'; CostCenterTag = 'team'; UnallocatedPolicy = 'Proportional'; Format = 'Csv', 'Focus' }
            $fromFiles = Export-BedrockChargeback -Path $SamplePath @common -Destination (New-Item -ItemType Directory -Path "$out/files").FullName
            $fromAthena = Export-BedrockChargeback @athena @common -Destination (New-Item -ItemType Directory -Path "$out/athena").FullName -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty   # every line's payer account named (no "BillingAccountId is the usage account")
            $fromAthena.Name | Should -Be $fromFiles.Name
            foreach ($name in $fromFiles.Name | Where-Object { $_ -notlike '*-summary.csv' }) {
                Get-Content -Raw -LiteralPath "$out/athena/$name" | Should -Be (Get-Content -Raw -LiteralPath "$out/files/$name") -Because $name
            }
            $focus = Import-Csv -LiteralPath ($fromAthena | Where-Object Name -Like '*focus*.csv').FullName
            $focus.BillingAccountId | Sort-Object -Unique | Should -Be '111122223333'
            $summary = Import-Csv -LiteralPath ($fromAthena | Where-Object Name -Like '*-summary.csv').FullName
            foreach ($period in '2026-05', '2026-06') {
                $b = (Get-Truth $period).bedrock
                $row = $summary | Where-Object { $_.RowType -eq 'SourceTotal' -and $_.BillingPeriod -eq $period }
                ConvertTo-Decimal $row.Cost | Should -Be $b.unblendedCost -Because $period
                ConvertTo-Decimal $row.Tokens | Should -Be ($b.inputTokens + $b.outputTokens + $b.cacheReadTokens + $b.cacheWriteTokens) -Because $period
            }
        }
        finally { Remove-Item -LiteralPath $out -Recurse -Force -ErrorAction Ignore }
    }

    It 'Get-BedrockCostAnomaly and Get-BedrockCostForecast read the same days' {
        $a1 = @(Get-BedrockCostAnomaly -Path $SamplePath -AsOf 2026-06-20 -Sensitivity Low -MinimumCost 0 -IncludeDrop)
        $a2 = @(Get-BedrockCostAnomaly @athena -AsOf 2026-06-20 -Sensitivity Low -MinimumCost 0 -IncludeDrop)
        $a1.Count | Should -BeGreaterThan 0
        ConvertTo-RowText $a2 | Should -Be (ConvertTo-RowText $a1)
        $f1 = @(Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15)
        $f2 = @(Get-BedrockCostForecast @athena -AsOf 2026-06-15)
        $f1.Count | Should -BeGreaterThan 0
        ConvertTo-RowText $f2 | Should -Be (ConvertTo-RowText $f1)
    }
}

Describe 'Athena queries on the wire' {
    It 'signs every request, is queued then running, pages the result and retries the throttled call' {
        $null = Get-BedrockCostByPrincipal @athena -BillingPeriod 2026-05 -GroupBy Principal, Model, TokenType, Day
        $requests = Get-FakeLog $fake
        $requests | Where-Object Problem | Should -BeNullOrEmpty
        @($requests | Where-Object { $_.Target -eq 'AmazonAthena.GetQueryResults' -and $_.Status -eq 400 }).Count | Should -Be 1
        @($requests | Where-Object { $_.Target -eq 'AmazonAthena.GetQueryResults' -and $_.Body -like '*NextToken*' }).Count | Should -BeGreaterThan 0
        $queries = Get-FakeLog $fake queries
        $costs = $queries | Where-Object { $_.Sql -like '*GROUP BY*' } | Select-Object -Last 1
        $costs.State | Should -Be 'SUCCEEDED'
        $costs.Sql | Should -Match "WHERE billing_period IN \('2026-05'\)"
        $costs.DuckDbSql | Should -Match 'map_extract_value'
    }

    It 'reports a FAILED query with Athena''s reason' {
        $err = $null
        Get-BedrockCostByPrincipal @athena -Table broken -BillingPeriod 2026-05 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AthenaQueryFailed,BedrockCost.Commands.GetBedrockCostByPrincipal'
        "$($err[0])" | Should -Match 'HIVE_BAD_DATA'
    }

    It 'leaves a cost that is not a number out, never as 0: an InvalidCostValue error, the rest reported, the totals said INCOMPLETE' {
        $err = $null
        $out = @(Get-BedrockCostByPrincipal @athena -Table nan -BillingPeriod 2026-06 -GroupBy Model -Verbose -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue 4>&1)
        $rows = @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'BedrockCost.Core.PrincipalCost' })
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $rows.Count | Should -BeGreaterThan 0
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidCostValue,BedrockCost.Commands.GetBedrockCostByPrincipal'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        "$($err[0])" -match '^The Athena table AwsDataCatalog\.cid_data_export\.nan \(in .*part-00001\.parquet\): (\d+) Bedrock line item\(s\) have a line_item_unblended_cost that is not a finite number' |
            Should -BeTrue -Because "$($err[0])"
        $leftOut = $Matches[1]
        [int]$leftOut | Should -BeGreaterThan 0
        @($warn | Where-Object { "$_" -like "The totals are incomplete: $leftOut Bedrock line item(s)*" }).Count | Should -Be 1
        ($verbose | Where-Object { $_ -like 'Reconciliation*' }) | Should -Match "difference 0\. INCOMPLETE: $leftOut Bedrock line item"
    }

    It 'names a missing table and a missing result location' {
        { Get-BedrockCostByPrincipal @athena -Table nosuchtable -ErrorAction Stop } |
            Should -Throw -ErrorId 'AthenaTableNotFound,BedrockCost.Commands.GetBedrockCostByPrincipal'
        { Get-BedrockCostByPrincipal @athena -WorkGroup bare -BillingPeriod 2026-05 -ErrorAction Stop } |
            Should -Throw -ErrorId 'AthenaOutputLocationRequired,BedrockCost.Commands.GetBedrockCostByPrincipal'
        @(Get-BedrockCostByPrincipal @athena -WorkGroup bare -OutputLocation s3://results/athena/ -BillingPeriod 2026-05).Count | Should -BeGreaterThan 0
    }

    It 'refuses a database name that is not a Glue name before any request' {
        $before = @(Get-FakeLog $fake).Count
        { Get-BedrockCostByPrincipal @athena -Database 'cid"; DROP TABLE x; --' -ErrorAction Stop } |
            Should -Throw -ErrorId 'AthenaInvalidParameter,BedrockCost.Commands.GetBedrockCostByPrincipal'
        @(Get-FakeLog $fake).Count | Should -Be $before
    }

    It 'stops the running query on Ctrl+C' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModulePath).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Get-BedrockCostByPrincipal').AddParameters(@{} + $athena).AddParameter('Table', 'slow').AddParameter('BillingPeriod', '2026-05')
            $async = $ps.BeginInvoke()
            # Press Ctrl+C once Athena reports the statement on the slow table RUNNING (it never finishes by itself).
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not (Get-FakeLog $fake queries | Where-Object { $_.Sql -like '*"slow"*GROUP BY*' -and $_.State -eq 'RUNNING' }) -and
                   [datetime]::UtcNow -lt $deadline -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 50 }
            $async.IsCompleted | Should -BeFalse
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $stop = (Get-FakeLog $fake) | Where-Object Target -EQ 'AmazonAthena.StopQueryExecution' | Select-Object -Last 1
            $stop.Status | Should -Be 200
            $id = ($stop.Body | ConvertFrom-Json).QueryExecutionId
            ((Get-FakeLog $fake queries) | Where-Object Id -EQ $id).State | Should -Be 'CANCELLED'
            $ps.Streams.Error.Count | Should -Be 0
        }
        finally { $ps.Dispose() }
    }
}

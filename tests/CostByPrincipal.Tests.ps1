# Get-BedrockCostByPrincipal against the built module: binding, pipeline, filters, grouping, default view,
# and bad input with exact error ids.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # The independent truth: samples/expected.json, written by the generator from what it chose for each row.
    $june = Get-Truth 2026-06
    $temp = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-pester-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $temp
}

AfterAll {
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-BedrockCostByPrincipal on the embedded sample' {
    It 'defaults to the latest billing period, grouped by principal, and adds up to the Bedrock total' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath
        # Types live in the module's own load context: check by name, as the format view does.
        $rows[0].GetType().FullName | Should -Be 'BedrockCost.Core.PrincipalCost'
        $rows[0].PSObject.TypeNames[0] | Should -Be 'BedrockCost.Core.PrincipalCost'
        ($rows.BillingPeriod | Sort-Object -Unique) | Should -Be '2026-06'
        Get-DecimalSum $rows | Should -Be $june.bedrock.unblendedCost
    }

    It 'matches the independent per-principal figures in both cost bases' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2026-06 | Where-Object IsAttributed
        $net = Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2026-06 -CostBasis NetUnblended | Where-Object IsAttributed
        foreach ($p in $june.principals) {
            $row = $rows | Where-Object Principal -EQ $p.principal
            $row.Cost | Should -Be $p.unblendedCost -Because $p.principal
            $row.NetUnblendedCost | Should -Be $p.netUnblendedCost -Because $p.principal
            $row.InputTokens | Should -Be $p.inputTokens -Because $p.principal
            $row.OutputTokens | Should -Be $p.outputTokens -Because $p.principal
            $row.CacheReadTokens | Should -Be $p.cacheReadTokens -Because $p.principal
            $row.CacheWriteTokens | Should -Be $p.cacheWriteTokens -Because $p.principal
            $row.LineItemCount | Should -Be $p.rows -Because $p.principal
            ($net | Where-Object Principal -EQ $p.principal).Cost | Should -Be $p.netUnblendedCost -Because "$($p.principal), net basis"
        }
        $rows.Count | Should -Be $june.principals.Count
    }

    It 'shows unattributed cost with its reason' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath | Where-Object { -not $_.IsAttributed }
        $rows.Principal | Sort-Object -Unique | Should -Be '(unattributed)'
        Assert-Groups $rows { $args[0].UnattributedReason } $june.unattributedReasons reason '?'
        Get-DecimalSum $rows | Should -Be $june.unattributed.unblendedCost
    }

    It 'writes the reconciliation of the Bedrock total to the verbose stream' {
        $verbose = Get-BedrockCostByPrincipal -Path $SamplePath -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $total = $june.bedrock.unblendedCost.ToString('0.##########', [cultureinfo]::InvariantCulture)   # the module's exact amounts: 10 places (ExactAmount)
        ($verbose.Message -join "`n") | Should -Match ([regex]::Escape("USD: rows sum to $total, Bedrock total of the data read $total, difference 0"))
    }

    It 'groups by any combination of dimensions and tags' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Model, TokenType, iamPrincipal/team
        $rows[0].GroupBy | Should -Be @('Model', 'TokenType', 'iamPrincipal/team')
        $rows.Tags.Keys | Sort-Object -Unique | Should -Be 'iamPrincipal/team'
        Get-DecimalSum $rows | Should -Be $june.bedrock.unblendedCost
        Assert-Groups $rows { $args[0].Model } $june.models model '(none)'
        Assert-Groups $rows { $args[0].TokenType } $june.tokenTypes tokenType '(none)'
        Assert-Groups $rows { $args[0].Tags['iamPrincipal/team'] } $june.teams team '(untagged)'
    }

    It 'groups by team and cost centre tags as the truth does, in the net basis too' {
        Assert-Groups (Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy iamPrincipal/team -CostBasis NetUnblended) { $args[0].TagValue } $june.teams team '(untagged)' -Net
        Assert-Groups (Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy iamPrincipal/cost-center) { $args[0].TagValue } $june.costCenters costCenter '(untagged)'
    }

    It 'groups by Person across roles and by Day over a date range' {
        $people = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Person
        $people.Person | Should -Contain 'jane@example.com'
        $people.Person | Should -Contain 'alice'
        # Both users named alice are the person alice.
        ($people | Where-Object Person -EQ 'alice').Cost | Should -Be (Get-DecimalSum ($june.principals | Where-Object principal -Like '*:user/alice') unblendedCost)
        $days = Get-BedrockCostByPrincipal -Path $SamplePath -StartDate 2026-05-30 -EndDate 2026-06-02 -GroupBy Day
        ($days.Day | Sort-Object -Unique | ForEach-Object { $_.ToString('yyyy-MM-dd') }) | Should -Be @('2026-05-30', '2026-05-31', '2026-06-01', '2026-06-02')
        $days[0].Day.Kind | Should -Be 'Utc'
        $truthDays = @((Get-Truth 2026-05).days) + @($june.days) | Where-Object { $_.day -ge '2026-05-30' -and $_.day -le '2026-06-02' }
        Assert-Groups $days { $args[0].Day.ToString('yyyy-MM-dd') } $truthDays day '?'
    }

    It 'filters by principal, model, account and tag with wildcards' {
        $alice = Get-BedrockCostByPrincipal -Path $SamplePath -Principal '*:user/alice'
        $alice.Principal | Sort-Object -Unique | Should -Be @('arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::444455556666:user/alice')
        Get-DecimalSum $alice | Should -Be (Get-DecimalSum ($june.principals | Where-Object principal -Like '*:user/alice') unblendedCost)
        (Get-BedrockCostByPrincipal -Path $SamplePath -Account '4444*').Account | Sort-Object -Unique | Should -Be '444455556666'
        $claude = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Model -Model 'Claude*'
        Assert-Groups $claude { $args[0].Model } ($june.models | Where-Object model -Like 'Claude*') model '(none)'
        $ml = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy iamPrincipal/team -Tag @{ team = 'ml' }
        $ml.TagValue | Should -Be 'ml'
        $ml.Cost | Should -Be ($june.teams | Where-Object team -EQ 'ml').unblendedCost
    }

    It 'uses the net unblended basis when asked' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -CostBasis NetUnblended -GroupBy Model
        Get-DecimalSum $rows | Should -Be $june.bedrock.netUnblendedCost
        Assert-Groups $rows { $args[0].Model } $june.models model '(none)' -Net
    }

    It 'reads files piped from Get-ChildItem as one data set (LiteralPath by property name)' {
        $files = Get-ChildItem -LiteralPath (Join-Path $SamplePath 'data/BILLING_PERIOD=2026-06') -Filter *.parquet
        $rows = $files | Get-BedrockCostByPrincipal
        Get-DecimalSum $rows | Should -Be $june.bedrock.unblendedCost
        Assert-Groups ($rows | Where-Object IsAttributed) { $args[0].Principal } $june.principals principal '?'
    }

    It 'composes with Group-Object and Sort-Object' {
        $byType = Get-BedrockCostByPrincipal -Path $SamplePath | Group-Object PrincipalType
        $byType.Name | Should -Contain 'IdentityCenterUser'
        $byType.Name | Should -Contain 'ApiKey'
        $top = Get-BedrockCostByPrincipal -Path $SamplePath | Sort-Object Cost -Descending | Select-Object -First 1
        $top.Cost | Should -Be (@($june.principals.unblendedCost) + @($june.unattributedReasons.unblendedCost) | Sort-Object -Descending | Select-Object -First 1)
    }

    It 'exports to CSV with readable tags and grouping, not type names' {
        $csv = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Model, iamPrincipal/team | ConvertTo-Csv | Out-String
        $csv | Should -Match '"iamPrincipal/team=ml"'
        $csv | Should -Match '"Model,iamPrincipal/team"'
        $csv | Should -Not -Match 'System\.Collections|System\.String\[\]'
    }

    It 'has a default table view with the group, cost and tokens' {
        $text = Get-BedrockCostByPrincipal -Path $SamplePath | Out-String -Width 120
        $text | Should -Match 'Group\s+Cost\s+Cur\s+Tokens'
        $text | Should -Match 'user/alice \(111122223333\)'
        $text | Should -Match '\(unattributed: credit\)'
    }
}

Describe 'Get-BedrockCostByPrincipal bad input' {
    It 'reports a missing path with PathNotFound' {
        $null = Get-BedrockCostByPrincipal -Path (Join-Path $temp 'missing') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'rejects an unknown group-by with InvalidGroupBy' {
        { Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Colour -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidGroupBy,BedrockCost.Commands.GetBedrockCostByPrincipal'
    }

    It 'reports a Parquet file that is not CUR with NotCurData' {
        # A valid Parquet file of another table, written by the test-data generator.
        $bad = Join-Path $temp 'not-cur.parquet'
        & dotnet run --project (Join-Path $RepoRoot 'tests/tools/BedrockCost.TestData') -- not-cur --out $bad | Out-Null
        $LASTEXITCODE | Should -Be 0
        $null = Get-BedrockCostByPrincipal -LiteralPath $bad -BillingPeriod 2026-05 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotCurData,*'
        $err[0].Exception.Message | Should -Match 'not-cur.parquet'
        $err[0].Exception.Message | Should -Not -Match ' at BedrockCost\.'
    }

    It 'reports a file of random bytes named .parquet with CorruptFile' {
        $bad = Join-Path $temp 'garbage.parquet'
        [System.IO.File]::WriteAllBytes($bad, [byte[]](0x50, 0x41, 0x52, 0x31) + [byte[]]::new(64) + [byte[]](0x50, 0x41, 0x52, 0x31))
        $null = Get-BedrockCostByPrincipal -LiteralPath $bad -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CorruptFile,*'
    }

    It 'reports a truncated file with CorruptFile and outputs nothing' {
        $src = Get-ChildItem -LiteralPath (Join-Path $SamplePath 'data') -Recurse -Filter *.parquet | Select-Object -First 1
        $bytes = [System.IO.File]::ReadAllBytes($src.FullName)
        $bad = Join-Path $temp 'truncated.parquet'
        [System.IO.File]::WriteAllBytes($bad, $bytes[0..($bytes.Length / 2)])
        $out = Get-BedrockCostByPrincipal -LiteralPath $bad -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CorruptFile,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'reports a CSV with a wrong header with CsvHeaderInvalid' {
        $bad = Join-Path $temp 'wrong.csv'
        Set-Content -LiteralPath $bad -Value "date,service,cost`n2026-05-01,bedrock,1.0"
        $null = Get-BedrockCostByPrincipal -LiteralPath $bad -BillingPeriod 2026-05 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CsvHeaderInvalid,*'
    }

    It 'keeps currencies apart and writes MixedCurrencies' {
        $csv = Join-Path $temp 'mixed.csv'
        $header = 'bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,line_item_usage_account_id,line_item_iam_principal,pricing_unit'
        @(
            $header
            '2026-05-01T00:00:00.000Z,Usage,2026-05-02T00:00:00.000Z,AmazonBedrock,USE1-Nova2.0Lite-input-tokens,10,0.6,USD,111122223333,arn:aws:iam::111122223333:user/alice,1K tokens'
            '2026-05-01T00:00:00.000Z,Usage,2026-05-02T00:00:00.000Z,AmazonBedrock,USE1-Nova2.0Lite-input-tokens,10,0.5,EUR,111122223333,arn:aws:iam::111122223333:user/alice,1K tokens'
        ) | Set-Content -LiteralPath $csv
        $rows = Get-BedrockCostByPrincipal -LiteralPath $csv -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MixedCurrencies,*'
        $rows.Count | Should -Be 2
        ($rows | Where-Object Currency -EQ 'EUR').Cost | Should -Be 0.5
        ($rows | Where-Object Currency -EQ 'USD').InputTokens | Should -Be 10000
    }

    It 'keeps an unknown usage type, labels it and warns' {
        $csv = Join-Path $temp 'unknown.csv'
        $header = 'bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,line_item_usage_account_id,line_item_iam_principal,pricing_unit'
        @(
            $header
            '2026-05-01T00:00:00.000Z,Usage,2026-05-02T00:00:00.000Z,AmazonBedrock,USE1-Nova2.0Lite-input-tokens,10,0.6,USD,111122223333,arn:aws:iam::111122223333:user/alice,1K tokens'
            '2026-05-01T00:00:00.000Z,Usage,2026-05-02T00:00:00.000Z,AmazonBedrock,QuantumWidgetHours,3,4.25,USD,111122223333,arn:aws:iam::111122223333:user/alice,Hrs'
        ) | Set-Content -LiteralPath $csv
        $rows = Get-BedrockCostByPrincipal -LiteralPath $csv -GroupBy UsageType -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match 'QuantumWidgetHours'
        $unknown = $rows | Where-Object UsageType -EQ 'QuantumWidgetHours'
        $unknown.Cost | Should -Be 4.25
        $unknown.TokenType | Should -Be '(none)'
        [decimal]($rows | Measure-Object Cost -Sum).Sum | Should -Be 4.85
    }

    It 'rejects a malformed billing period at binding' {
        { Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2026-13 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BedrockCost.Commands.GetBedrockCostByPrincipal'
    }
}

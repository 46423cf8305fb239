-- Every posting of the books the community lists, placed in its set of books and in book order.
-- A set of books is a file (`space_id` = its path under inbox/ledger/ without extension) or a folder
-- (`space_id` ending in `/`: every file below it is one set of books, e.g. one file per fiscal year).
-- Book order: files by their first date, then lines; a file is the one the transaction is written in
-- (the part of transaction_id before its line), an included file's own name in a book of includes. Opening balances and closing entries
-- (`is_balance_entry`) count only as the first entry on each of their asset accounts; every later
-- one carries the balance from one file to the next and is checked as the books' own statement of
-- the balance (int_treasury_book_statements), never counted as money in or out.
with space_groups as (
    select
        space_id,
        group_id,
        -- not rtrim(space_id, '/'): Spark's two-argument rtrim takes the characters first
        trim(trailing '/' from space_id) as book_id,
        space_id like '%/' as is_folder
    from {{ ref('stg_community__space_groups') }}
    where source = 'ledger'
),

postings as (
    select
        postings.*,
        space_groups.group_id,
        space_groups.book_id,
        regexp_extract(postings.transaction_id, '^(.*):[0-9]+$', 1) as file,
        cast(regexp_extract(postings.transaction_id, ':([0-9]+)$', 1) as integer) as line
    from {{ ref('stg_ledger__postings') }} as postings
    inner join space_groups
        on postings.space_id = space_groups.space_id
        or (space_groups.is_folder and {{ starts_with('postings.journal', 'space_groups.space_id') }})
    -- a file listed by itself belongs to that entry; otherwise to its deepest listed folder
    qualify row_number() over (
        partition by postings.transaction_id, postings.posting_index
        order by space_groups.is_folder, length(space_groups.space_id) desc
    ) = 1
),

files as (
    select book_id, file, min(posted_on) as file_first_day
    from postings
    group by all
),

ordered as (
    select
        postings.*,
        files.file_first_day,
        -- the position of the transaction in its set of books: files by first date, then lines
        dense_rank() over (
            partition by postings.book_id
            order by files.file_first_day, postings.file, postings.line
        ) as book_order
    from postings
    inner join files on postings.book_id = files.book_id and postings.file = files.file
),

first_on_account as (
    select
        *,
        -- the first transaction of the books on each asset account
        first_value(transaction_id) over (
            partition by book_id, account_category, currency
            order by book_order
        ) as first_transaction_on_account
    from ordered
),

final as (
    select
        *,
        is_balance_entry and bool_and(
            account_root != 'assets' or first_transaction_on_account = transaction_id
        ) over (partition by transaction_id) as is_opening_balance
    from first_on_account
)

select * from final

with comments as (
    select * from {{ source('decidim', 'decidim__proposal_comments') }}
),

proposals as (
    select proposal_id, component_id from {{ ref('stg_decidim__proposals') }}
),

final as (
    select
        comments.comment_id,
        comments.commentable_id as proposal_id,
        proposals.component_id,
        cast(comments.author_id as string) as author_id,
        comments.created_at,
        comments.alignment
    from comments
    inner join proposals on comments.commentable_id = proposals.proposal_id
    {{ latest_row('comments.comment_id', 'comments.created_at desc') }}
)

select * from final

-- name: figure
-- summary: One figure with its base and first citation
-- param: id text required | the figure's id
SELECT * FROM figures_full WHERE id = :id

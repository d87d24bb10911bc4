"""The Book API's routes, one `APIRouter` per domain. `bookapi.main.create_app` includes
`health.router` as it is, and every other router under the version prefix, `/api/v1`."""

"""A round trip through a client generated from the served OpenAPI document.

`.ci/run` generates the client with openapi-python-client from
`GET /__admin/openapi.json` (unchanged: only the package name is set, in
config.yaml beside this file) and runs this script with the two values the
server prints at start, as they are:

    python roundtrip.py "http://127.0.0.1:8080/elements/api-v2" "User ..., Organization ..."

It creates, lists, gets by email, patches and deletes an account user, and
checks each answer. Any failure raises; success prints one line.
"""

import sys
import uuid

from localelements_client import AuthenticatedClient
from localelements_client.api.account_users import (
    create_account_user,
    delete_account_user,
    get_account_user,
    list_account_users,
    update_account_user,
)
from localelements_client.api.accounts import list_accounts
from localelements_client.models import CreateUser, Error, PatchUser, User


def main(base_url: str, authorization: str) -> None:
    # The Authorization value is sent as it is: no "Bearer" prefix.
    client = AuthenticatedClient(
        base_url=base_url,
        token=authorization,
        prefix="",
        raise_on_unexpected_status=True,
    )
    with client:
        accounts = list_accounts.sync_detailed(client=client)
        assert accounts.status_code == 200, accounts
        default = [account for account in accounts.parsed if account.default_account]
        assert len(default) == 1, accounts.parsed
        account = default[0].id

        email = f"generated-{uuid.uuid4().hex[:12]}@client.test"
        created = create_account_user.sync_detailed(
            account,
            client=client,
            body=CreateUser(
                email=email,
                first_name="Generated",
                last_name="Client",
                password=f"Pw-{uuid.uuid4().hex}",
                city="Ghent",
            ),
        )
        assert created.status_code == 200, created
        user = created.parsed
        assert isinstance(user, User), user
        assert user.email == email and user.city == "Ghent", user
        assert user.secret, "a new user comes with its secret"

        listed = list_account_users.sync_detailed(
            account, client=client, where=f"email = '{email}'"
        )
        assert listed.status_code == 200, listed
        assert [found.id for found in listed.parsed] == [user.id], listed.parsed
        assert listed.headers["Elements-Total-Count"] == "1", listed.headers
        assert listed.headers["Elements-Returned-Count"] == "1", listed.headers

        by_email = get_account_user.sync_detailed(account, email, client=client)
        assert by_email.status_code == 200, by_email
        assert by_email.parsed.id == user.id, by_email.parsed

        patched = update_account_user.sync_detailed(
            account, user.id, client=client, body=PatchUser(city="Bruges")
        )
        assert patched.status_code == 200, patched
        assert patched.parsed.city == "Bruges" and patched.parsed.email == email, patched.parsed

        deleted = delete_account_user.sync_detailed(account, user.id, client=client)
        assert deleted.status_code == 200, deleted

        gone = get_account_user.sync_detailed(account, email, client=client)
        assert gone.status_code == 404, gone
        assert isinstance(gone.parsed, Error), gone.parsed
        assert len(gone.parsed.request_id) == 24, gone.parsed

    print(f"generated client: created, listed, got by email, patched and deleted user {user.id}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: roundtrip.py BASE_URL AUTHORIZATION")
    main(sys.argv[1], sys.argv[2])

"""Reference app for Tessera's differential test (compare.py).

Tessera's tutorial servers (`rocket-tutorial`, `warp-tutorial`) claim that with
`--style fastapi` they answer exactly like FastAPI's security tutorial apps. This module is
that FastAPI app, built the way the tutorial chapters build it, so compare.py can send the
same bytes to it and to a Tessera server and diff the answers.

Two variants, chosen by the environment variable TUTORIAL_VARIANT (default "jwt"):

* jwt:    "OAuth2 with Password (and hashing), Bearer with JWT tokens"
          POST /token, GET /items/, GET /users/me/, GET /users/me/items/
          tokens carry {sub, exp}; a failed login is 401 with WWW-Authenticate: Bearer
* scopes: "OAuth2 scopes"
          the same routes plus GET /status/; OAuth2PasswordBearer declares the scopes
          "me" and "items"; tokens carry {sub, scope, exp}; SecurityScopes decides the
          challenge; a failed login is 400 without a challenge

GET /items/ (from the tutorial's first chapter) echoes the bearer token without checking it,
as Tessera's /items/ does in both variants.

Environment, as Tessera's servers read it:
* SECRET_KEY: its UTF-8 bytes are the HS256 key; at least 32 bytes, else the app refuses
  to start; unset: a random key (tokens die with the process).
* ACCESS_TOKEN_EXPIRE_MINUTES: token lifetime, default 30.

Users: johndoe/secret (active) and alice/secret2 (disabled), stored as the same argon2id PHC
strings as Tessera's tutorial (m=19456 KiB, t=2, p=1).

Run: TUTORIAL_VARIANT=scopes SECRET_KEY=... uvicorn tutorial_app:app --host 127.0.0.1 --port 8000
"""

import os
import secrets
import sys
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Security, status
from fastapi.security import (
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    SecurityScopes,
)
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel, ValidationError

VARIANT = os.environ.get("TUTORIAL_VARIANT", "jwt")
if VARIANT not in ("jwt", "scopes"):
    sys.exit(f"TUTORIAL_VARIANT must be jwt or scopes, not {VARIANT!r}")


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key is None:
        print(
            "SECRET_KEY is not set: using a random key; tokens will not survive a restart",
            file=sys.stderr,
        )
        return secrets.token_hex(32)
    if len(key.encode("utf-8")) < 32:
        sys.exit(f"SECRET_KEY is {len(key.encode('utf-8'))} bytes; it must be at least 32")
    return key


SECRET_KEY = _secret_key()
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = int(os.environ.get("ACCESS_TOKEN_EXPIRE_MINUTES", "30"))

fake_users_db = {
    "johndoe": {
        "username": "johndoe",
        "full_name": "John Doe",
        "email": "johndoe@example.com",
        "hashed_password": "$argon2id$v=19$m=19456,t=2,p=1$hdpvkuzIulVq9WzNS2YiVw$od0/qBf8GvOZEqz98Tm9OZu9Lwxv5YFrUd0KWLGOH54",
        "disabled": False,
    },
    "alice": {
        "username": "alice",
        "full_name": "Alice Wonderson",
        "email": "alice@example.com",
        "hashed_password": "$argon2id$v=19$m=19456,t=2,p=1$X6Az2RswN/radLF35foWhA$dIO9OHMPgZujGug7hboEJA6MZOVz7ccvvVm9DVjyMzk",
        "disabled": True,
    },
}


class Token(BaseModel):
    access_token: str
    token_type: str


class TokenData(BaseModel):
    username: str | None = None
    scopes: list[str] = []


class User(BaseModel):
    username: str
    email: str | None = None
    full_name: str | None = None
    disabled: bool | None = None


class UserInDB(User):
    hashed_password: str


# The stored hashes' own parameters, so an unknown user costs the same hash as a known one.
password_hash = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))
DUMMY_HASH = password_hash.hash("dummypassword")

if VARIANT == "scopes":
    oauth2_scheme = OAuth2PasswordBearer(
        tokenUrl="token",
        scopes={"me": "Read information about the current user.", "items": "Read items."},
    )
else:
    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

app = FastAPI()


def verify_password(plain_password, hashed_password):
    return password_hash.verify(plain_password, hashed_password)


def get_user(db, username: str):
    if username in db:
        return UserInDB(**db[username])


def authenticate_user(fake_db, username: str, password: str):
    user = get_user(fake_db, username)
    if not user:
        verify_password(password, DUMMY_HASH)
        return False
    if not verify_password(password, user.hashed_password):
        return False
    return user


def create_access_token(data: dict, expires_delta: timedelta | None = None):
    to_encode = data.copy()
    if expires_delta:
        expire = datetime.now(timezone.utc) + expires_delta
    else:
        expire = datetime.now(timezone.utc) + timedelta(minutes=15)
    to_encode.update({"exp": expire})
    return jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)


if VARIANT == "jwt":

    async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]):
        credentials_exception = HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
        try:
            payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
            username = payload.get("sub")
            if username is None:
                raise credentials_exception
            token_data = TokenData(username=username)
        except InvalidTokenError:
            raise credentials_exception
        user = get_user(fake_users_db, username=token_data.username)
        if user is None:
            raise credentials_exception
        return user

    async def get_current_active_user(
        current_user: Annotated[User, Depends(get_current_user)],
    ):
        if current_user.disabled:
            raise HTTPException(status_code=400, detail="Inactive user")
        return current_user

    @app.post("/token")
    async def login_for_access_token(
        form_data: Annotated[OAuth2PasswordRequestForm, Depends()],
    ) -> Token:
        user = authenticate_user(fake_users_db, form_data.username, form_data.password)
        if not user:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Incorrect username or password",
                headers={"WWW-Authenticate": "Bearer"},
            )
        access_token_expires = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
        access_token = create_access_token(
            data={"sub": user.username}, expires_delta=access_token_expires
        )
        return Token(access_token=access_token, token_type="bearer")

    @app.get("/users/me/", response_model=User)
    async def read_users_me(
        current_user: Annotated[User, Depends(get_current_active_user)],
    ):
        return current_user

    @app.get("/users/me/items/")
    async def read_own_items(
        current_user: Annotated[User, Depends(get_current_active_user)],
    ):
        return [{"item_id": "Foo", "owner": current_user.username}]

else:

    async def get_current_user(
        security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]
    ):
        if security_scopes.scopes:
            authenticate_value = f'Bearer scope="{security_scopes.scope_str}"'
        else:
            authenticate_value = "Bearer"
        credentials_exception = HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": authenticate_value},
        )
        try:
            payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
            username: str = payload.get("sub")
            if username is None:
                raise credentials_exception
            scope: str = payload.get("scope", "")
            token_scopes = scope.split(" ")
            token_data = TokenData(scopes=token_scopes, username=username)
        except (InvalidTokenError, ValidationError):
            raise credentials_exception
        user = get_user(fake_users_db, username=token_data.username)
        if user is None:
            raise credentials_exception
        for scope in security_scopes.scopes:
            if scope not in token_data.scopes:
                raise HTTPException(
                    status_code=status.HTTP_401_UNAUTHORIZED,
                    detail="Not enough permissions",
                    headers={"WWW-Authenticate": authenticate_value},
                )
        return user

    async def get_current_active_user(
        current_user: Annotated[User, Security(get_current_user, scopes=["me"])],
    ):
        if current_user.disabled:
            raise HTTPException(status_code=400, detail="Inactive user")
        return current_user

    @app.post("/token")
    async def login_for_access_token(
        form_data: Annotated[OAuth2PasswordRequestForm, Depends()],
    ) -> Token:
        user = authenticate_user(fake_users_db, form_data.username, form_data.password)
        if not user:
            raise HTTPException(status_code=400, detail="Incorrect username or password")
        access_token_expires = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
        access_token = create_access_token(
            data={"sub": user.username, "scope": " ".join(form_data.scopes)},
            expires_delta=access_token_expires,
        )
        return Token(access_token=access_token, token_type="bearer")

    @app.get("/users/me/", response_model=User)
    async def read_users_me(
        current_user: Annotated[User, Depends(get_current_active_user)],
    ):
        return current_user

    @app.get("/users/me/items/")
    async def read_own_items(
        current_user: Annotated[User, Security(get_current_active_user, scopes=["items"])],
    ):
        return [{"item_id": "Foo", "owner": current_user.username}]

    @app.get("/status/")
    async def read_system_status(current_user: Annotated[User, Depends(get_current_user)]):
        return {"status": "ok"}


@app.get("/items/")
async def read_items(token: Annotated[str, Depends(oauth2_scheme)]):
    return {"token": token}

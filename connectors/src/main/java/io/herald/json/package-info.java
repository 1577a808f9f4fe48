/** JSON on Herald's topics: parsing with a reason for every rejection, and writing outputs. */
package io.herald.json;
